import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**', 'test/fixtures/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly', setInterval: 'readonly', clearInterval: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    // Layer rule from DESIGN.md: parsers and policy never do I/O.
    files: ['src/xen/**', 'src/linux/**', 'src/safety/**', 'src/lint/**', 'src/render/**'],
    rules: {
      'no-restricted-imports': ['error', {paths: ['node:fs', 'fs', 'node:fs/promises', 'node:child_process', 'execa'], patterns: ['**/host/local*', '**/host/ssh*']}],
    },
  },
)

import {detectKind} from '../../src/xen/config/detect.js'
import {type LintOptions, lintSources} from '../../src/lint/runner.js'
import type {Finding, SourceFile} from '../../src/lint/types.js'

/** Lint in-memory files; kinds are detected from path and text like the CLI does. */
export function lintFiles(files: Record<string, string>, options: LintOptions = {}) {
  const sources: SourceFile[] = Object.entries(files).map(([path, text]) => {
    const kind = detectKind(path, text)
    if (!kind) throw new Error(`test file ${path} is not detected as a Xen config`)
    return {path, text, kind}
  })
  return lintSources(sources, options)
}

export function findings(files: Record<string, string>, options: LintOptions = {}): Finding[] {
  const result = lintFiles(files, options)
  if (result.internalErrors) throw new Error(result.notices.join('\n'))
  return result.files.flatMap((f) => f.findings)
}

export function ruleFindings(ruleId: string, files: Record<string, string>, options: LintOptions = {}): Finding[] {
  return findings(files, options).filter((f) => f.ruleId === ruleId)
}

/** `path:line:col rule` for compact assertions. */
export function where(f: Finding): string {
  return `${f.path}:${f.span.start.line}:${f.span.start.column} ${f.ruleId}`
}

import {createTwoFilesPatch} from 'diff'

/**
 * A unified diff of one file, as `diff -u` prints it: `--- path` / `+++ path` headers (`/dev/null`
 * for a file that does not exist yet), three lines of context, no `Index:` banner. Empty when
 * nothing changes.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  if (before === after) return ''
  const patch = createTwoFilesPatch(before === null ? '/dev/null' : path, path, before ?? '', after, undefined, undefined, {context: 3})
  return patch
    .split('\n')
    .filter((l) => !l.startsWith('Index: ') && !/^=+$/.test(l))
    .join('\n')
}

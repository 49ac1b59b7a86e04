/**
 * Small glob matcher for `.memguard.yml` ignore patterns (gitignore-like):
 *   `*` any run of characters except `/`, `?` one such character, `**` any number of directories,
 *   a pattern without `/` matches a file or directory name at any depth, a trailing `/` matches a
 *   directory and everything under it, a leading `/` anchors at the config file's directory.
 */
export function globToRegExp(pattern: string): RegExp {
  let p = pattern.trim().replace(/\\/g, '/')
  let anchored = p.startsWith('/')
  if (anchored) p = p.slice(1)
  const dirOnly = p.endsWith('/')
  if (dirOnly) p = p.slice(0, -1)
  if (p.includes('/')) anchored = true
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const c = p[i] as string
    if (c === '*') {
      if (p[i + 1] === '*') {
        const slash = p[i + 2] === '/'
        re += slash ? '(?:.*/)?' : '.*'
        i += slash ? 2 : 1
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  const prefix = anchored ? '^' : '^(?:.*/)?'
  return new RegExp(`${prefix}${re}(?:/.*)?$`)
}

export function compileGlobs(patterns: readonly string[]): (relativePath: string) => boolean {
  const res = patterns.filter((p) => p.trim() !== '' && !p.trim().startsWith('#')).map(globToRegExp)
  return (path) => {
    const normalized = path.replace(/\\/g, '/').replace(/^\.\//, '')
    return res.some((r) => r.test(normalized))
  }
}

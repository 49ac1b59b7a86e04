import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Fixture access for the src/xen tests. Everything is under test/fixtures: no /work/shared at run time. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))

export function toolOutput(name: string): string {
  return readFileSync(join(FIXTURES, 'tool-output', name), 'utf8')
}

export function toolOutputNames(): string[] {
  return readdirSync(join(FIXTURES, 'tool-output')).filter((name) => name !== 'MANIFEST.tsv').sort()
}

export interface Capture {
  group: string
  name: string
  stdout: string
  stderr: string
  rc: number
}

export function capture(group: string, name: string): Capture {
  const read = (ext: string) => readFileSync(join(FIXTURES, 'xenlab', group, `${name}.${ext}`), 'utf8')
  return {group, name, stdout: read('stdout'), stderr: read('stderr'), rc: Number(read('rc').trim())}
}

export function captureNames(): Array<{group: string; name: string}> {
  const root = join(FIXTURES, 'xenlab')
  return readdirSync(root, {withFileTypes: true})
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(root, dir.name))
        .filter((file) => file.endsWith('.rc'))
        .map((file) => ({group: dir.name, name: file.slice(0, -'.rc'.length)})),
    )
    .sort((a, b) => `${a.group}/${a.name}`.localeCompare(`${b.group}/${b.name}`))
}

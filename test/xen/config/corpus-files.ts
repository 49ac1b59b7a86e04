import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

/** The real-world corpus, copied from ../shared/corpus (see test/fixtures/corpus/README.md). */
export const CORPUS_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'corpus')

export function corpusFile(relative: string): string {
  return readFileSync(join(CORPUS_DIR, relative), 'utf8')
}

/** Every corpus file as [relative path, text]. */
export function corpusFiles(): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const dir of readdirSync(CORPUS_DIR).sort()) {
    const abs = join(CORPUS_DIR, dir)
    if (!statSync(abs).isDirectory()) continue
    for (const f of readdirSync(abs).sort()) out.push([`${dir}/${f}`, readFileSync(join(abs, f), 'utf8')])
  }
  return out
}

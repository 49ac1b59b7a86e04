import {ParseError, quoteValue} from '../lib/errors.js'
import {parseSize} from '../lib/size.js'
import type {HeadroomOption} from './floor.js'

/** `--headroom`: a size (`256m`, bare = MiB) or a percentage of in-use memory (`30%`). */
export function parseHeadroom(text: string): HeadroomOption {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text)
  if (percent) {
    const value = Number(percent[1])
    if (value > 1000) throw new ParseError(`--headroom ${quoteValue(text)} is more than 1000% of in-use memory; give a size instead`)
    return {kind: 'percent', percent: value}
  }
  return {kind: 'size', kib: parseSize(text, {bareUnit: 'MiB', what: '--headroom'}).kib}
}

import type * as z from 'zod/mini'
import {ParseError, type SourceLocation} from '../lib/errors.js'
import {describeSchemaIssue} from '../lib/schema-issue.js'

/** Shared plumbing for the tool-output readers in src/xen. Pure: strings in, values out. */

/** The lines of a document without their terminators (`\n` or `\r\n`). */
export function splitLines(text: string): string[] {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1)
  }
  return lines
}

/** Number of leading spaces and tabs. */
export function indentOf(line: string): number {
  return line.length - line.replace(/^[ \t]+/, '').length
}

/**
 * Check a fully built result against its zod schema, once per document. A failure here means the
 * reader built something its own type forbids (a negative size, a fraction): it is reported as a
 * located ParseError like any other bad input, never as a crash.
 */
export function validateResult<T>(schema: z.ZodMiniType<T>, value: unknown, location: SourceLocation, what: string): T {
  const result = schema.safeParse(value, {reportInput: true})
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
  throw new ParseError(`${what}: unexpected value${path}: ${issue ? describeSchemaIssue(issue) : 'invalid'}`, location)
}

/** 1-based line and column of a character offset. */
export function positionOf(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let lineStart = 0
  const end = Math.min(Math.max(offset, 0), text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return {line, column: end - lineStart + 1}
}

/** A non-negative decimal integer, or undefined (no signs, no fractions, no exponent). */
export function decimalInteger(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : undefined
}

/**
 * Offset of the first JSON syntax error in `text` (JSON.parse's messages do not always carry a
 * position: Node 20 reports `Unexpected token '}', …"config": }… is not valid JSON`).
 * Returns text.length when the error is a premature end, or -1 when the text is valid.
 */
export function jsonErrorOffset(text: string): number {
  let pos = 0
  const ws = () => {
    while (pos < text.length && ' \t\n\r'.includes(text[pos] as string)) pos++
  }
  class Stop extends Error {}
  const fail = (): never => {
    throw new Stop()
  }
  const literal = (word: string) => {
    if (text.startsWith(word, pos)) pos += word.length
    else fail()
  }
  const string = () => {
    pos++ // opening quote
    while (pos < text.length) {
      const c = text[pos] as string
      if (c === '"') {
        pos++
        return
      }
      if (c === '\\') {
        const next = text[pos + 1]
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            pos += 2
            fail()
          }
          pos += 6
        } else if (next !== undefined && '"\\/bfnrt'.includes(next)) pos += 2
        else {
          pos++
          fail()
        }
        continue
      }
      if (c.charCodeAt(0) < 0x20) fail()
      pos++
    }
    fail()
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos, pos + 400))
    if (!match) fail()
    pos += (match as RegExpExecArray)[0].length
  }
  const value = (depth: number): void => {
    if (depth > 500) fail()
    ws()
    const c = text[pos]
    if (c === '{') {
      pos++
      ws()
      if (text[pos] === '}') {
        pos++
        return
      }
      for (;;) {
        ws()
        if (text[pos] !== '"') fail()
        string()
        ws()
        if (text[pos] !== ':') fail()
        pos++
        value(depth + 1)
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] === '}') {
          pos++
          return
        }
        fail()
      }
    }
    if (c === '[') {
      pos++
      ws()
      if (text[pos] === ']') {
        pos++
        return
      }
      for (;;) {
        value(depth + 1)
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] === ']') {
          pos++
          return
        }
        fail()
      }
    }
    if (c === '"') return string()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    return number()
  }
  try {
    value(0)
    ws()
    return pos < text.length ? pos : -1
  } catch (error) {
    if (error instanceof Stop) return Math.min(pos, text.length)
    throw error
  }
}

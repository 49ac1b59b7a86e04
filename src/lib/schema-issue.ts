import type * as z from 'zod/mini'
import {quoteValue} from './errors.js'

/**
 * Plain-English sentences for zod issues.
 *
 * memguard validates with zod/mini, which ships no error messages (an issue's `message` is a
 * generic "Invalid input" unless a locale is loaded, and loading zod's locales brings back the
 * weight zod/mini saves). Every place that shows a schema issue to a user builds the sentence
 * here from the issue's structured fields instead: its code, what was expected, the limits, and
 * the offending value when the parse was run with `{reportInput: true}`.
 *
 * The sentence never names the path: callers put it where their message needs it
 * (`lint.maxWarnings: too small: must be >= 0, got -1`).
 */
export type SchemaIssue = z.core.$ZodIssue

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  bigint: 'a big integer',
  symbol: 'a symbol',
  undefined: 'nothing',
  null: 'null',
  never: 'nothing',
  void: 'nothing',
  date: 'a date',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  record: 'an object',
  map: 'a map',
  set: 'a set',
  file: 'a file',
  nan: 'NaN',
  function: 'a function',
  nonoptional: 'a value',
}

/** What a size limit counts, by the issue's origin. */
const SIZE_UNITS: Record<string, string> = {string: 'character', array: 'item', set: 'item', map: 'entry', file: 'byte'}

/** zod's fallback message when no error map gave one: not worth showing. */
const GENERIC_MESSAGE = 'Invalid input'

/** One sentence saying what is wrong, e.g. `expected a number, got "abc"`. */
export function describeSchemaIssue(issue: SchemaIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeName(issue.expected)}${got(issue)}`
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? describeValue(issue.values[0]) : `one of ${issue.values.map(describeValue).join(', ')}`}${got(issue)}`
    case 'too_small':
    case 'too_big':
      return describeLimit(issue)
    case 'invalid_format':
      return `${describeFormat(issue)}${got(issue)}`
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}${got(issue)}`
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => quoteValue(k)).join(', ')}`
    case 'invalid_key':
      return `invalid key in ${issue.origin}${nested(issue.issues)}`
    case 'invalid_element':
      return `invalid value in ${issue.origin}${nested(issue.issues)}`
    case 'invalid_union':
      return describeUnion(issue)
    case 'custom':
      return issue.message && issue.message !== GENERIC_MESSAGE ? issue.message : `invalid value${got(issue)}`
    default:
      return 'invalid value'
  }
}

/** A value as a user would recognise it: strings quoted, numbers as written, containers by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return quoteValue(value, 40)
    case 'number':
    case 'boolean':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array'
  if (value instanceof Date) return 'a date'
  return 'an object'
}

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected
}

/** `, got X` when the parse reported the input; `, but it is missing` for an absent value. */
function got(issue: SchemaIssue): string {
  if (!('input' in issue)) return ''
  return issue.input === undefined ? ', but it is missing' : `, got ${describeValue(issue.input)}`
}

function describeLimit(issue: Extract<SchemaIssue, {code: 'too_small' | 'too_big'}>): string {
  const small = issue.code === 'too_small'
  const limit = small ? issue.minimum : issue.maximum
  const unit = SIZE_UNITS[issue.origin]
  if (unit !== undefined) {
    const bound = issue.exact ? 'exactly' : small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'fewer than'
    const units = Number(limit) === 1 ? unit : unit === 'entry' ? 'entries' : `${unit}s`
    const size = sizeOf(issue.input)
    return `too ${small ? 'small' : 'big'}: must have ${bound} ${limit} ${units}${size === undefined ? '' : `, got ${size}`}`
  }
  const bound = issue.exact ? 'exactly' : small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<'
  return `too ${small ? 'small' : 'big'}: must be ${bound} ${limit}${got(issue)}`
}

function sizeOf(input: unknown): number | undefined {
  if (typeof input === 'string' || Array.isArray(input)) return input.length
  if (input instanceof Set || input instanceof Map) return input.size
  return undefined
}

function describeFormat(issue: Extract<SchemaIssue, {code: 'invalid_format'}>): string {
  const detail = issue as typeof issue & {prefix?: string; suffix?: string; includes?: string}
  switch (issue.format) {
    case 'regex':
      return `does not match the pattern ${issue.pattern ?? ''}`.trimEnd()
    case 'starts_with':
      return `must start with ${quoteValue(detail.prefix ?? '')}`
    case 'ends_with':
      return `must end with ${quoteValue(detail.suffix ?? '')}`
    case 'includes':
      return `must include ${quoteValue(detail.includes ?? '')}`
    default:
      return `not a valid ${issue.format}`
  }
}

function nested(issues: readonly SchemaIssue[]): string {
  const first = issues[0]
  return first === undefined ? '' : `: ${describeSchemaIssue(first)}`
}

function describeUnion(issue: Extract<SchemaIssue, {code: 'invalid_union'}>): string {
  if (issue.inclusive === false) return `matches more than one of the allowed forms${got(issue)}`
  if (issue.options && issue.options.length > 0) {
    const key = issue.discriminator === undefined ? '' : ` for ${quoteValue(issue.discriminator)}`
    return `expected one of ${issue.options.map(describeValue).join(', ')}${key}`
  }
  // `z.union([z.string(), z.number()])`: each alternative failed on the value itself with a plain
  // type or value mismatch, so the alternatives can be named (`expected a string or a number`).
  const alternatives: string[] = []
  for (const errors of issue.errors) {
    const only = errors.length === 1 ? errors[0] : undefined
    if (only === undefined || only.path.length > 0) return `does not match any of the allowed forms${got(issue)}`
    if (only.code === 'invalid_type') alternatives.push(typeName(only.expected))
    else if (only.code === 'invalid_value') alternatives.push(...only.values.map(describeValue))
    else return `does not match any of the allowed forms${got(issue)}`
  }
  const unique = [...new Set(alternatives)]
  const last = unique.pop()
  if (last === undefined) return `does not match any of the allowed forms${got(issue)}`
  return `expected ${unique.length > 0 ? `${unique.join(', ')} or ${last}` : last}${got(issue)}`
}

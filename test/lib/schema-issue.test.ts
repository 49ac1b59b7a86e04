import {describe, expect, it} from 'vitest'
import * as z from 'zod/mini'
import {describeSchemaIssue, describeValue, type SchemaIssue} from '../../src/lib/schema-issue.js'

/** The first issue of a failed parse, with the input reported as memguard's call sites do. */
function firstIssue(schema: z.ZodMiniType, value: unknown): SchemaIssue {
  const result = schema.safeParse(value, {reportInput: true})
  if (result.success) throw new Error('expected the parse to fail')
  return result.error.issues[0] as SchemaIssue
}

const say = (schema: z.ZodMiniType, value: unknown) => describeSchemaIssue(firstIssue(schema, value))

describe('describeSchemaIssue', () => {
  it('names the expected type and the value it got instead', () => {
    expect(say(z.number(), 'abc')).toBe('expected a number, got "abc"')
    expect(say(z.string(), 12)).toBe('expected a string, got 12')
    expect(say(z.boolean(), 'yes')).toBe('expected true or false, got "yes"')
    expect(say(z.object({a: z.string()}), [1])).toBe('expected an object, got an array')
    expect(say(z.array(z.string()), {})).toBe('expected an array, got an object')
    expect(say(z.string(), null)).toBe('expected a string, got null')
  })

  it('calls a fraction where an integer belongs by its value', () => {
    expect(say(z.int(), 1.5)).toBe('expected an integer, got 1.5')
  })

  it('says a required field is missing rather than that it got nothing', () => {
    expect(say(z.object({hostname: z.string()}), {})).toBe('expected a string, but it is missing')
  })

  it('lists the allowed values of an enum, quoted', () => {
    expect(say(z.enum(['xl', 'xm']), 'xend')).toBe('expected one of "xl", "xm", got "xend"')
  })

  it('names the single allowed value of a literal', () => {
    expect(say(z.literal(1), 2)).toBe('expected 1, got 2')
  })

  it('states a numeric lower bound with its comparison, inclusive or not', () => {
    expect(say(z.int().check(z.nonnegative()), -1)).toBe('too small: must be >= 0, got -1')
    expect(say(z.int().check(z.positive()), 0)).toBe('too small: must be > 0, got 0')
    expect(say(z.number().check(z.maximum(10)), 11)).toBe('too big: must be <= 10, got 11')
  })

  it('counts items and characters for size limits, with the size it got', () => {
    expect(say(z.array(z.string()).check(z.minLength(1)), [])).toBe('too small: must have at least 1 item, got 0')
    expect(say(z.string().check(z.maxLength(3)), 'abcd')).toBe('too big: must have at most 3 characters, got 4')
    expect(say(z.array(z.string()).check(z.length(2)), ['a'])).toBe('too small: must have exactly 2 items, got 1')
  })

  it('shows the pattern a string failed to match', () => {
    expect(say(z.string().check(z.regex(/^[a-z]+$/)), 'A!')).toBe('does not match the pattern /^[a-z]+$/, got "A!"')
  })

  it('quotes unknown keys of a strict object', () => {
    expect(say(z.strictObject({a: z.optional(z.string())}), {b: 1})).toBe('unknown key "b"')
    expect(say(z.strictObject({a: z.optional(z.string())}), {b: 1, c: 2})).toBe('unknown keys "b", "c"')
  })

  it('names the alternatives of a union of plain types', () => {
    expect(say(z.union([z.string(), z.number()]), true)).toBe('expected a string or a number, got true')
    expect(say(z.union([z.literal('off'), z.int(), z.null()]), 'on')).toBe('expected "off", a number or null, got "on"')
  })

  it('falls back to a general sentence for a union of structured alternatives', () => {
    expect(say(z.union([z.object({a: z.string()}), z.object({b: z.string()})]), {})).toBe('does not match any of the allowed forms, got an object')
  })

  it('keeps the message a refinement gave', () => {
    expect(say(z.string().check(z.refine((s) => s.length > 3, {error: 'must be longer than 3 characters'})), 'ab')).toBe('must be longer than 3 characters')
  })

  it('leaves the value out when the parse did not report its input', () => {
    const result = z.number().safeParse('abc')
    expect(result.success).toBe(false)
    expect(describeSchemaIssue(result.error?.issues[0] as SchemaIssue)).toBe('expected a number')
  })

  it('never falls back to zod\'s generic "Invalid input"', () => {
    const schemas: Array<[z.ZodMiniType, unknown]> = [
      [z.object({a: z.int()}), {a: 'x'}],
      [z.record(z.string(), z.enum(['off', 'warn'])), {r: 'on'}],
      [z.nullable(z.enum(['xl', 'xm'])), 'xen'],
      [z.int(), 2 ** 60],
    ]
    for (const [schema, value] of schemas) expect(say(schema, value)).not.toMatch(/invalid input/i)
  })
})

describe('describeValue', () => {
  it('shows values the way a user wrote them, cutting long strings short', () => {
    expect(describeValue('x'.repeat(50))).toBe(`"${'x'.repeat(40)}…"`)
    expect(describeValue(Number.NaN)).toBe('NaN')
    expect(describeValue(undefined)).toBe('nothing')
    expect(describeValue([])).toBe('an empty array')
    expect(describeValue(10n)).toBe('10n')
  })
})

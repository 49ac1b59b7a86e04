import {type ConfigProblem, LineIndex, type Span} from './text.js'

/**
 * Parser for the xl configuration syntax (`xl.cfg(5)`, `xl.conf(5)`, cpupool files), and for the
 * xm-era domain configs that came before it and are really Python.
 *
 * The grammar is libxlu's (tools/libs/util/libxlu_cfg_y.y and libxlu_cfg_l.l):
 *
 *   file       := (stmt (NEWLINE | ';'))* [assignment]
 *   assignment := IDENT ('=' | '+=') value
 *   value      := STRING | NUMBER | '[' nl* [value nl* (',' nl* value nl*)* [',' nl*]] ']'
 *   IDENT      := [a-z][._0-9a-z]*          NUMBER := [0-9][0-9a-fx]*
 *   STRING     := '…' | "…" on one line, backslash escapes \' \" \\ \a \b \f \n \r \t \v \xHH \ooo
 *   comment    := '#' to the end of the line
 *
 * xl stores numbers as strings and converts with strtol(…, 0) when it reads a key, so
 * `memory = '2048'` and `memory = 2048` mean the same (and `memory = 0400` is octal).
 * The last assignment of a key wins; `+=` appends to a string or a list.
 *
 * The parser never throws. It recovers at the next statement and reports:
 *   - `syntax` problems: what xl would reject ("config parsing error"), with line and column;
 *   - `python` problems: xm-only Python (imports, `def`, `if` blocks, `%` formatting, `+`
 *     concatenation, calls, triple-quoted strings). xm executes the file as Python; xl refuses it.
 * Everything literal is still returned as settings, so a linter can check an xm file too.
 */

export interface XlAtom {
  type: 'atom'
  /** A NUMBER token or a quoted STRING. xl treats both as strings; the kind is kept for lint. */
  kind: 'number' | 'string'
  /** The value after unquoting and unescaping. */
  value: string
  /** The token as written, quotes included. */
  raw: string
  quote: '' | "'" | '"' | "'''" | '"""'
  span: Span
}

export interface XlList {
  type: 'list'
  items: XlValue[]
  span: Span
}

/** A Python expression xl cannot read (`"VM%d" % vmid`, `'/usr/' + libdir`). Its value is unknown. */
export interface XlExpr {
  type: 'expr'
  raw: string
  span: Span
}

export type XlValue = XlAtom | XlList | XlExpr

export interface XlSetting {
  key: string
  keySpan: Span
  op: '=' | '+='
  value: XlValue
  /** From the key to the end of the value (not the `;` or a trailing comment). */
  span: Span
}

export interface XlComment {
  /** Text after the `#`. */
  text: string
  span: Span
}

export interface XlConfig {
  file: string | undefined
  settings: XlSetting[]
  comments: XlComment[]
  problems: ConfigProblem[]
  /** At least one Python construct was found: this is an xm-era (Python) config. */
  python: boolean
  index: LineIndex
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokType = 'ident' | 'number' | 'string' | 'punct' | 'newline' | 'comment' | 'other'

interface Tok {
  type: TokType
  text: string
  start: number
  end: number
  /** Decoded string value (strings only). */
  value?: string
  quote?: XlAtom['quote']
  /** Strings: the closing quote was found. */
  closed?: boolean
  /** Strings: the first escape xl would reject. */
  badEscape?: {offset: number; text: string}
  /** First token on its line (after indentation). */
  lineStart: boolean
  /** 1-based column of the token (for Python indentation). */
  column: number
}

const TWO_CHAR_PUNCT = new Set(['+=', '==', '!=', '<=', '>=', '**', '-=', '*=', '/=', '%=', '//'])
const ONE_CHAR_PUNCT = new Set([...'=[],;(){}:%+-*/.<>!&|^~@'])

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_'
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '.'
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9'
}

const SIMPLE_ESCAPES: Record<string, string> = {'"': '"', "'": "'", '\\': '\\', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v'}

/** Decode the body of a quoted string the way libxlu's xlu__cfgl_dequote() does. */
function dequote(body: string, bodyOffset: number): {value: string; badEscape?: {offset: number; text: string}} {
  if (!body.includes('\\')) return {value: body}
  let out = ''
  let badEscape: {offset: number; text: string} | undefined
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const n = body[i + 1]
    if (n === undefined) {
      out += c
      break
    }
    const simple = SIMPLE_ESCAPES[n]
    if (simple !== undefined) {
      out += simple
      i++
    } else if (n === 'x' && /^[0-9a-fA-F]{2}/.test(body.slice(i + 2, i + 4))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 4), 16))
      i += 3
    } else if (n >= '0' && n <= '7') {
      // libxlu reads up to three digits (in base 10, a libxlu quirk; the value hardly matters here).
      const digits = /^[0-9]{1,3}/.exec(body.slice(i + 1))?.[0] ?? n
      out += String.fromCharCode(parseInt(digits, 10) & 0xff)
      i += digits.length
    } else {
      badEscape ??= {offset: bodyOffset + i, text: `\\${n}`}
      out += n
      i++
    }
  }
  return {value: out, badEscape}
}

interface LexQuirk {
  char: string
  offset: number
}

function lex(text: string, quirks: LexQuirk[]): Tok[] {
  const toks: Tok[] = []
  let i = 0
  let lineStartOffset = 0
  let sawTokenOnLine = false
  // One object per token, always with the same fields (a stable shape is much faster to make).
  const push = (type: TokType, start: number, end: number, str?: Pick<Tok, 'value' | 'quote' | 'closed' | 'badEscape'>) => {
    toks.push({
      type,
      text: text.slice(start, end),
      start,
      end,
      value: str?.value,
      quote: str?.quote,
      closed: str?.closed,
      badEscape: str?.badEscape,
      lineStart: !sawTokenOnLine && type !== 'newline',
      column: start - lineStartOffset + 1,
    })
    if (type === 'newline') {
      sawTokenOnLine = false
      lineStartOffset = end
    } else if (type !== 'comment') sawTokenOnLine = true
  }
  while (i < text.length) {
    const c = text[i] as string
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    if (c === '\r' || (c === '\ufeff' && i === 0)) {
      // xl's lexer knows only space and tab: these are lexical errors there. Skipped here (and
      // reported once by the parser) so the rest of the file can still be checked.
      quirks.push({char: c, offset: i})
      i++
      continue
    }
    if (c === '\n') {
      push('newline', i, i + 1)
      i++
      continue
    }
    if (c === '#') {
      let j = text.indexOf('\n', i)
      if (j === -1) j = text.length
      push('comment', i, j)
      i = j
      continue
    }
    if (c === "'" || c === '"') {
      const triple = text.startsWith(c.repeat(3), i)
      if (triple) {
        const close = text.indexOf(c.repeat(3), i + 3)
        const closed = close !== -1
        const end = closed ? close + 3 : lineEnd(text, i)
        const body = text.slice(i + 3, closed ? close : end)
        const {value, badEscape} = dequote(body, i + 3)
        push('string', i, end, {value, quote: c === "'" ? "'''" : '"""', closed, badEscape})
        i = end
        continue
      }
      let j = i + 1
      let closed = false
      while (j < text.length) {
        const d = text[j]
        if (d === '\\' && j + 1 < text.length && text[j + 1] !== '\n') {
          j += 2
          continue
        }
        if (d === '\n') break
        if (d === c) {
          closed = true
          j++
          break
        }
        j++
      }
      const body = text.slice(i + 1, closed ? j - 1 : j)
      const {value, badEscape} = dequote(body, i + 1)
      push('string', i, j, {value, quote: c, closed, badEscape})
      i = j
      continue
    }
    if (isDigit(c)) {
      let j = i + 1
      while (j < text.length && (isIdentPart(text[j] as string))) j++
      push('number', i, j)
      i = j
      continue
    }
    if (isIdentStart(c)) {
      let j = i + 1
      while (j < text.length && isIdentPart(text[j] as string)) j++
      push('ident', i, j)
      i = j
      continue
    }
    const two = text.slice(i, i + 2)
    if (TWO_CHAR_PUNCT.has(two)) {
      push('punct', i, i + 2)
      i += 2
      continue
    }
    if (ONE_CHAR_PUNCT.has(c)) {
      push('punct', i, i + 1)
      i++
      continue
    }
    const cp = text.codePointAt(i) as number
    const len = cp > 0xffff ? 2 : 1
    push('other', i, i + len)
    i += len
  }
  return toks
}

function lineEnd(text: string, from: number): number {
  const j = text.indexOf('\n', from)
  return j === -1 ? text.length : j
}

// ---------------------------------------------------------------------------------------------
// Statements

interface Statement {
  toks: Tok[]
  /** Set when the statement was cut short at an unclosed bracket. */
  unclosed?: Tok
}

const OPENERS: Record<string, string> = {'[': ']', '(': ')', '{': '}'}
const CLOSERS = new Set([']', ')', '}'])

/** Split tokens into statements: NEWLINE or `;` outside brackets ends one. */
function splitStatements(toks: Tok[]): Statement[] {
  const out: Statement[] = []
  let cur: Tok[] = []
  const stack: Tok[] = []
  const finish = (unclosed?: Tok) => {
    if (cur.length) out.push(unclosed ? {toks: cur, unclosed} : {toks: cur})
    cur = []
    stack.length = 0
  }
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k] as Tok
    if (t.type === 'comment') continue
    if (t.type === 'newline' || (t.type === 'punct' && t.text === ';' && stack.length === 0)) {
      if (stack.length === 0) {
        finish()
        continue
      }
      // Inside brackets a newline continues the statement – unless only `[` is open and the next
      // line starts a new `key = …`: then the bracket was never closed (xl: syntax error).
      if (t.type === 'newline' && stack.every((s) => s.text === '[') && startsAssignment(toks, k + 1)) {
        finish(stack[0])
      }
      continue
    }
    if (t.type === 'punct' && OPENERS[t.text]) stack.push(t)
    else if (t.type === 'punct' && CLOSERS.has(t.text)) {
      const top = stack.at(-1)
      if (top && OPENERS[top.text] === t.text) stack.pop()
    }
    cur.push(t)
  }
  finish(stack[0])
  return out
}

function startsAssignment(toks: Tok[], from: number): boolean {
  let k = from
  while (k < toks.length && (toks[k]?.type === 'newline' || toks[k]?.type === 'comment')) k++
  const a = toks[k]
  const b = toks[k + 1]
  return a?.type === 'ident' && b?.type === 'punct' && (b.text === '=' || b.text === '+=')
}

// ---------------------------------------------------------------------------------------------
// Parser

const XL_IDENT = /^[a-z][._0-9a-z]*$/
const XL_NUMBER = /^[0-9][0-9a-fx]*$/
const PY_BLOCK = new Set(['if', 'elif', 'else', 'for', 'while', 'try', 'except', 'finally', 'def', 'class', 'with'])
const PY_SIMPLE = new Set(['import', 'from', 'return', 'raise', 'pass', 'del', 'global', 'print', 'assert', 'lambda', 'exec', 'break', 'continue', 'yield', 'nonlocal'])
const PY_LITERALS = new Set(['True', 'False', 'None'])

export interface ParseXlOptions {
  file?: string
}

/** Parse xl/xm config text. Never throws. */
export function parseXlConfig(text: string, options: ParseXlOptions = {}): XlConfig {
  const index = new LineIndex(text)
  const quirks: LexQuirk[] = []
  const toks = lex(text, quirks)
  const comments: XlComment[] = toks.filter((t) => t.type === 'comment').map((t) => ({text: t.text.slice(1), span: index.span(t.start, t.end)}))
  const statements = splitStatements(toks)
  const settings: XlSetting[] = []
  const problems: ConfigProblem[] = []
  const cr = quirks.find((q) => q.char === '\r')
  if (cr) {
    problems.push({kind: 'syntax', message: 'carriage return (CRLF, Windows line endings): xl\'s lexer accepts only space and tab as blanks and reports a lexical error on every such line', span: index.span(cr.offset, cr.offset + 1), hint: 'convert the file to LF line endings (dos2unix)'})
  }
  if (quirks.some((q) => q.char === '\ufeff')) {
    problems.push({kind: 'syntax', message: 'byte-order mark at the start of the file: xl reports a lexical error on the first line', span: index.span(0, 1), hint: 'save the file as UTF-8 without BOM'})
  }
  const lastTok = toks.at(-1)
  if (lastTok?.type === 'comment' && !text.endsWith('\n')) {
    problems.push({
      kind: 'syntax',
      message: "the file ends in a comment with no newline: xl's lexer ends a comment only at a newline (`#.*\\n`), so it reports a lexical error here and refuses the file",
      span: index.span(lastTok.start, lastTok.end),
      hint: 'end the file with a newline',
    })
  }
  const span = (a: Tok, b: Tok = a) => index.span(a.start, b.end)
  const stmtSpan = (s: Tok[]) => span(s[0] as Tok, s.at(-1) as Tok)
  const snippet = (s: Tok[]) => quoteSnippet(text.slice((s[0] as Tok).start, (s.at(-1) as Tok).end))

  // Pass 1: is this file Python at all? (Decides how bare names like `vmid` are reported.)
  const pythonFile = statements.some((s) => isPythonStatement(s.toks))

  let blockIndent = -1 // column of the open Python block header, or -1
  let blockStart: Tok | undefined
  let blockEnd: Tok | undefined
  const closeBlock = () => {
    if (blockStart && blockEnd) {
      const header = blockStart
      problems.push({kind: 'python', message: `Python \`${header.text}\` block is xm-only, not valid for xl`, span: span(blockStart, blockEnd), hint: 'xl cannot run code: write the values the code would compute as literals'})
    }
    blockIndent = -1
    blockStart = blockEnd = undefined
  }

  for (const stmt of statements) {
    const s = stmt.toks
    const first = s[0] as Tok
    // Python block bodies: statements indented deeper than the header, starting their line.
    if (blockIndent >= 0) {
      if (first.lineStart && first.column > blockIndent) {
        blockEnd = s.at(-1)
        continue
      }
      closeBlock()
    }
    if (first.type === 'ident' && PY_BLOCK.has(first.text) && s.at(-1)?.text === ':') {
      blockIndent = first.column
      blockStart = first
      blockEnd = s.at(-1)
      continue
    }
    if (first.type === 'ident' && PY_BLOCK.has(first.text) && s.some((t) => t.text === ':')) {
      // One-line block: `if x: y = 1`
      problems.push({kind: 'python', message: `Python \`${first.text}\` statement is xm-only, not valid for xl`, span: stmtSpan(s)})
      continue
    }
    if (first.type === 'ident' && PY_SIMPLE.has(first.text) && !(s[1]?.type === 'punct' && (s[1].text === '=' || s[1].text === '+='))) {
      problems.push({kind: 'python', message: `Python \`${first.text}\` statement ${snippet(s)} is xm-only, not valid for xl`, span: stmtSpan(s)})
      continue
    }

    const second = s[1]
    if (first.type === 'ident' && second?.type === 'punct' && (second.text === '=' || second.text === '+=')) {
      parseAssignment(stmt, first, second)
      continue
    }
    if (first.type === 'ident' && isPythonStatement(s)) {
      problems.push({kind: 'python', message: `Python code ${snippet(s)} is xm-only, not valid for xl`, span: stmtSpan(s)})
      continue
    }
    reportGarbage(stmt)
  }
  closeBlock()

  function parseAssignment(stmt: Statement, keyTok: Tok, opTok: Tok): void {
    const s = stmt.toks
    const valueToks = s.slice(2)
    if (!XL_IDENT.test(keyTok.text)) {
      problems.push({
        kind: 'syntax',
        message: `\`${keyTok.text}\` is not a valid xl key: keys are lowercase letters, digits, \`_\` and \`.\`, starting with a letter`,
        span: span(keyTok),
      })
    }
    if (valueToks.length === 0) {
      problems.push({kind: 'syntax', message: `\`${keyTok.text} ${opTok.text}\` has no value`, span: span(keyTok, opTok), hint: 'give a quoted string, a number or a [list]'})
      return
    }
    const parsed = parseValue(valueToks, 0)
    let value: XlValue
    if (parsed && parsed.next === valueToks.length && !stmt.unclosed) {
      value = parsed.value
      checkLiteral(valueToks)
    } else {
      value = {type: 'expr', raw: text.slice((valueToks[0] as Tok).start, (valueToks.at(-1) as Tok).end), span: stmtSpan(valueToks)}
      const pythonWhat = describePythonExpr(valueToks, pythonFile)
      if (stmt.unclosed) {
        problems.push({kind: 'syntax', message: `\`${stmt.unclosed.text}\` is never closed`, span: span(stmt.unclosed), hint: `add the closing \`${OPENERS[stmt.unclosed.text]}\``})
      } else if (pythonWhat) {
        problems.push({kind: 'python', message: `${pythonWhat} in \`${keyTok.text}\` is xm-only, not valid for xl`, span: stmtSpan(valueToks), hint: 'xl reads only literals: write the value this expression computes'})
      } else {
        reportBadValue(valueToks, parsed?.next ?? 0, keyTok)
      }
    }
    // A statement that xl rejects still yields its setting: xl would fail, but the linter keeps
    // checking what it can.
    settings.push({key: keyTok.text, keySpan: span(keyTok), op: opTok.text as '=' | '+=', value, span: index.span(keyTok.start, (s.at(-1) as Tok).end)})
  }

  function parseValue(v: Tok[], k: number): {value: XlValue; next: number} | null {
    const t = v[k]
    if (!t) return null
    if (t.type === 'string' && t.closed) {
      return {value: {type: 'atom', kind: 'string', value: t.value ?? '', raw: t.text, quote: t.quote ?? '"', span: span(t)}, next: k + 1}
    }
    if (t.type === 'number') {
      return {value: {type: 'atom', kind: 'number', value: t.text, raw: t.text, quote: '', span: span(t)}, next: k + 1}
    }
    if (t.type === 'punct' && t.text === '[') {
      const items: XlValue[] = []
      let j = k + 1
      for (;;) {
        const u = v[j]
        if (!u) return null
        if (u.type === 'punct' && u.text === ']') return {value: {type: 'list', items, span: span(t, u)}, next: j + 1}
        const item = parseValue(v, j)
        if (!item) return null
        items.push(item.value)
        j = item.next
        const sep = v[j]
        if (sep?.type === 'punct' && sep.text === ',') j++
        else if (!(sep?.type === 'punct' && sep.text === ']')) return null
      }
    }
    return null
  }

  /** Strings and numbers that parse but that xl's lexer would still reject. */
  function checkLiteral(v: Tok[]): void {
    for (const t of v) {
      if (t.type === 'string') {
        if (t.quote === "'''" || t.quote === '"""') {
          problems.push({kind: 'python', message: `triple-quoted string ${quoteSnippet(t.text)} is Python: xm-only, not valid for xl`, span: span(t), hint: "xl strings are '…' or \"…\" on one line; escape an inner quote with a backslash"})
        } else if (t.badEscape) {
          problems.push({kind: 'syntax', message: `invalid escape \`${t.badEscape.text}\` in a quoted string (xl: "invalid character after backlash")`, span: index.span(t.badEscape.offset, t.badEscape.offset + t.badEscape.text.length), hint: 'write a backslash as \\\\'})
        }
      } else if (t.type === 'number' && !XL_NUMBER.test(t.text)) {
        problems.push({kind: 'syntax', message: `\`${t.text}\` is not an xl number: numbers are plain integers (decimal, 0x hex or 0 octal)`, span: span(t), hint: /^\d+[kmgtKMGT]/.test(t.text) ? 'xl memory keys take MiB without a unit: memory = 1024' : undefined})
      }
    }
  }

  function reportBadValue(v: Tok[], at: number, keyTok: Tok): void {
    const bad = v[Math.min(at, v.length - 1)] as Tok
    const unterminated = v.find((t) => t.type === 'string' && !t.closed)
    if (unterminated) {
      problems.push({kind: 'syntax', message: `unterminated string ${quoteSnippet(unterminated.text)}: xl strings end on the same line`, span: span(unterminated)})
      return
    }
    if (bad.type === 'ident' && v.length === 1) {
      problems.push({kind: 'syntax', message: `unquoted value \`${bad.text}\` for \`${keyTok.text}\`: xl values are quoted strings, numbers or lists`, span: span(bad), hint: `write ${keyTok.text} = "${bad.text}"`})
      return
    }
    if (bad.type === 'number' && !XL_NUMBER.test(bad.text)) {
      problems.push({kind: 'syntax', message: `\`${bad.text}\` is not an xl number: numbers are plain integers`, span: span(bad), hint: /^\d+[kmgtKMGT]/.test(bad.text) ? 'xl memory keys take MiB without a unit: memory = 1024' : undefined})
      return
    }
    problems.push({kind: 'syntax', message: `unexpected ${describeTok(bad)} in the value of \`${keyTok.text}\``, span: span(bad)})
  }

  function reportGarbage(stmt: Statement): void {
    const s = stmt.toks
    const first = s[0] as Tok
    const unterminated = s.find((t) => t.type === 'string' && !t.closed)
    if (unterminated) {
      problems.push({kind: 'syntax', message: `unterminated string ${quoteSnippet(unterminated.text)}: xl strings end on the same line`, span: span(unterminated)})
      return
    }
    // `install-method = debootstrap`: a key with characters xl does not allow.
    const eq = s.findIndex((t) => t.type === 'punct' && (t.text === '=' || t.text === '+='))
    if (eq > 0) {
      const keyText = text.slice(first.start, (s[eq - 1] as Tok).end)
      problems.push({kind: 'syntax', message: `\`${keyText}\` is not a valid xl key: keys are lowercase letters, digits, \`_\` and \`.\`, starting with a letter`, span: span(first, s[eq - 1])})
      return
    }
    problems.push({kind: 'syntax', message: `expected \`key = value\`, found ${describeTok(first)}`, span: stmtSpan(s)})
  }

  return {file: options.file, settings, comments, problems, python: problems.some((p) => p.kind === 'python'), index}
}

function isPythonStatement(s: Tok[]): boolean {
  const first = s[0]
  if (!first) return false
  if (first.type === 'ident' && (PY_BLOCK.has(first.text) || PY_SIMPLE.has(first.text)) && !(s[1]?.type === 'punct' && s[1].text === '=')) return true
  if (s.some((t) => t.type === 'string' && (t.quote === "'''" || t.quote === '"""'))) return true
  return describePythonExpr(s[1]?.text === '=' || s[1]?.text === '+=' ? s.slice(2) : s, false) !== undefined
}

/** What makes a value Python, or undefined. */
function describePythonExpr(v: Tok[], bareNamesArePython: boolean): string | undefined {
  for (let k = 0; k < v.length; k++) {
    const t = v[k] as Tok
    const next = v[k + 1]
    if (t.type === 'punct' && t.text === '%' && k > 0) return 'Python string formatting (`%`)'
    if (t.type === 'ident' && next?.type === 'punct' && next.text === '(') return `Python function call \`${t.text}(…)\``
    if (t.type === 'punct' && t.text === '+' && k > 0) return 'Python concatenation (`+`)'
    if (t.type === 'ident' && PY_LITERALS.has(t.text)) return `Python literal \`${t.text}\``
    if (t.type === 'ident' && t.text === 'lambda') return 'Python lambda'
  }
  if (bareNamesArePython) {
    const name = v.find((t) => t.type === 'ident')
    if (name) return `Python variable \`${name.text}\``
  }
  return undefined
}

function describeTok(t: Tok): string {
  switch (t.type) {
    case 'ident':
      return `\`${t.text}\``
    case 'number':
      return `number \`${t.text}\``
    case 'string':
      return `string ${quoteSnippet(t.text)}`
    case 'punct':
      return `\`${t.text}\``
    case 'other':
      return `character ${JSON.stringify(t.text)}`
    default:
      return t.type
  }
}

function quoteSnippet(s: string, max = 50): string {
  const one = s.replace(/\s*\n\s*/g, ' ')
  return `\`${one.length > max ? `${one.slice(0, max)}…` : one}\``
}

// ---------------------------------------------------------------------------------------------
// Reading settings the way xl does

export interface EffectiveSetting {
  key: string
  /** The assignment that decides the value (the last one; `+=` folded in). */
  setting: XlSetting
  value: XlValue
  /** Every assignment of this key, in file order. */
  all: XlSetting[]
}

const effectiveCache = new WeakMap<object, ReadonlyMap<string, EffectiveSetting>>()

/** Settings by key, last assignment wins, `+=` appends (libxlu xlu__cfg_set_store). Cached per config. */
export function effectiveSettings(cfg: Pick<XlConfig, 'settings'>): ReadonlyMap<string, EffectiveSetting> {
  const cached = effectiveCache.get(cfg)
  if (cached) return cached
  const map = new Map<string, EffectiveSetting>()
  for (const s of cfg.settings) {
    const prev = map.get(s.key)
    let value = s.value
    if (s.op === '+=' && prev) value = concatValues(prev.value, s.value)
    if (prev) {
      prev.all.push(s)
      prev.setting = s
      prev.value = value
    } else map.set(s.key, {key: s.key, setting: s, value, all: [s]})
  }
  effectiveCache.set(cfg, map)
  return map
}

function concatValues(a: XlValue, b: XlValue): XlValue {
  if (a.type === 'atom' && b.type === 'atom') return {...b, value: a.value + b.value, kind: 'string'}
  if (a.type === 'list' && b.type === 'list') return {...b, items: [...a.items, ...b.items]}
  return {type: 'expr', raw: `${valueText(a)} + ${valueText(b)}`, span: b.span}
}

/** Display text of a value (for messages). */
export function valueText(v: XlValue): string {
  if (v.type === 'atom') return v.raw
  if (v.type === 'expr') return v.raw
  return `[${v.items.map(valueText).join(', ')}]`
}

/** The string of an atom, or undefined for lists and expressions. */
export function atomValue(v: XlValue | undefined): string | undefined {
  return v?.type === 'atom' ? v.value : undefined
}

export type XlIntegerResult = {ok: true; value: number; radix: 8 | 10 | 16} | {ok: false; reason: string}

/**
 * Read a value as xl reads a number key: C strtol(s, &end, 0) and the whole string must be used
 * (libxlu xlu_cfg_get_bounded_long). Leading whitespace and a sign are allowed; `0x` is hex and a
 * leading `0` is octal, so "0400" is 256 and "08" is not a number.
 */
export function xlInteger(s: string): XlIntegerResult {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (!m) return {ok: false, reason: describeNotInteger(s)}
  const sign = m[1] === '-' ? -1 : 1
  const digits = m[2] as string
  let value: number
  let radix: 8 | 10 | 16
  if (/^0[xX]/.test(digits)) {
    value = parseInt(digits.slice(2), 16)
    radix = 16
  } else if (digits.length > 1 && digits.startsWith('0')) {
    value = parseInt(digits, 8)
    radix = 8
  } else {
    value = parseInt(digits, 10)
    radix = 10
  }
  if (!Number.isSafeInteger(value)) return {ok: false, reason: 'out of range'}
  return {ok: true, value: sign * value, radix}
}

function describeNotInteger(s: string): string {
  if (s.trim() === '') return 'empty'
  if (/^\s*0[0-7]*[89]/.test(s)) return 'a leading 0 makes it octal, and 8 and 9 are not octal digits'
  if (/^\s*\d+(\.\d+)?\s*[a-zA-Z]+\s*$/.test(s)) return 'it has a unit; xl wants a plain number'
  if (/^\s*\d+\.\d+\s*$/.test(s)) return 'it has a fraction; xl wants a whole number'
  if (/\s$/.test(s)) return 'trailing whitespace'
  return 'not a number'
}

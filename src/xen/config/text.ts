/**
 * Source positions shared by every config-file parser in src/xen/config.
 *
 * Every token a parser hands out carries a Span: 1-based line and column (what a person and an
 * editor gutter count; a tab counts as one column) and 0-based UTF-16 offsets into the original
 * text (what `text.slice(start, end)` needs). `memguard dom0-mem` edits files by replacing the
 * text of one span, so comments, quoting and layout elsewhere survive untouched.
 */

export interface Position {
  /** 1-based line. */
  line: number
  /** 1-based column, in UTF-16 code units from the start of the line. */
  column: number
  /** 0-based offset into the text. */
  offset: number
}

export interface Span {
  start: Position
  /** Exclusive end. */
  end: Position
}

/** Something a parser noticed: a syntax error, or a construct the target tool will not accept. */
export interface ConfigProblem {
  /**
   * `syntax` – the tool itself rejects or mis-reads the file;
   * `python` – an xm-era Python construct (valid for xm, rejected by xl).
   */
  kind: 'syntax' | 'python'
  message: string
  span: Span
  hint?: string
}

class IndexedSpan implements Span {
  readonly #index: LineIndex
  readonly #start: number
  readonly #end: number

  constructor(index: LineIndex, start: number, end: number) {
    this.#index = index
    this.#start = start
    this.#end = end
  }

  get start(): Position {
    return this.#index.position(this.#start)
  }

  get end(): Position {
    return this.#index.position(this.#end)
  }

  toJSON(): {start: Position; end: Position} {
    return {start: this.start, end: this.end}
  }
}

/** Maps offsets to line/column in O(log n). Build once per text. */
export class LineIndex {
  /** Offset of the first character of each line. */
  readonly lineStarts: number[]

  constructor(readonly text: string) {
    const starts = [0]
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
    this.lineStarts = starts
  }

  get lineCount(): number {
    return this.lineStarts.length
  }

  position(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length))
    let lo = 0
    let hi = this.lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.lineStarts[mid] as number) <= clamped) lo = mid
      else hi = mid - 1
    }
    return {line: lo + 1, column: clamped - (this.lineStarts[lo] as number) + 1, offset: clamped}
  }

  /**
   * A span of this text. Positions are computed when read: parsed configs keep thousands of spans
   * (10,000 files in a lint run) and read a few of them.
   */
  span(start: number, end: number): Span {
    return new IndexedSpan(this, start, end)
  }

  /** Offset of a 1-based line/column (clamped to the text). */
  offsetOf(line: number, column: number): number {
    const start = this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))] as number
    return Math.min(this.text.length, start + Math.max(0, column - 1))
  }

  /** The text of a 1-based line without its line terminator. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1]
    if (start === undefined) return ''
    const next = this.lineStarts[line]
    let end = next === undefined ? this.text.length : next - 1
    if (end > start && this.text[end - 1] === '\r') end--
    return this.text.slice(start, end)
  }
}

/** A whitespace-separated word of a command line, with its span in the file. */
export interface CmdlineArg {
  text: string
  span: Span
}

/**
 * Split a kernel or hypervisor command line into words. `baseOffset` is where `text` starts in
 * the file, so each word's span points into the file.
 */
export function splitCmdline(text: string, baseOffset: number, index: LineIndex): CmdlineArg[] {
  const args: CmdlineArg[] = []
  const re = /\S+/g
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = baseOffset + m.index
    args.push({text: m[0], span: index.span(start, start + m[0].length)})
  }
  return args
}

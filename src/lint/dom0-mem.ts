import {type Dom0MemJudgement, type Dom0MemProblem, judgeDom0Mem} from '../xen/dom0-mem.js'
import type {CmdlineArg, Span} from '../xen/config/text.js'
import type {HostFacts} from './types.js'

/**
 * Adapter between the bootloader parsers (words with spans in a file) and the one dom0_mem grammar
 * in src/xen/dom0-mem.ts (which works on a command-line string and reports 1-based columns).
 * It joins the words with single spaces, judges the line, and maps each problem's column back to
 * a span in the file.
 */

export interface LocatedDom0MemProblem extends Dom0MemProblem {
  span: Span
  /** Index of the word the problem points into (undefined: the fallback span). */
  argIndex: number | undefined
}

export interface Dom0MemVerdict {
  judgement: Dom0MemJudgement
  problems: LocatedDom0MemProblem[]
}

export function judgeArgs(args: readonly CmdlineArg[], fallback: Span, facts: HostFacts): Dom0MemVerdict {
  let cmdline = ''
  const starts: number[] = []
  for (const arg of args) {
    if (cmdline) cmdline += ' '
    starts.push(cmdline.length)
    cmdline += arg.text
  }
  const judgement = judgeDom0Mem(cmdline, {xenVersion: facts.xenVersion, hostMemoryKiB: facts.hostMemoryKiB})
  const locate = (column: number | undefined): {span: Span; argIndex: number | undefined} => {
    if (column === undefined || args.length === 0) {
      const k = args.findIndex((a) => a.text.startsWith('dom0_mem'))
      return k === -1 ? {span: fallback, argIndex: undefined} : {span: (args[k] as CmdlineArg).span, argIndex: k}
    }
    const offset = column - 1
    let k = 0
    while (k + 1 < starts.length && (starts[k + 1] as number) <= offset) k++
    const arg = args[k] as CmdlineArg
    const inner = offset - (starts[k] as number)
    const exact = arg.span.end.offset - arg.span.start.offset === arg.text.length
    if (!exact || inner <= 0) return {span: arg.span, argIndex: k}
    // Point at the item inside the word: same line, shifted start.
    const start = {line: arg.span.start.line, column: arg.span.start.column + inner, offset: arg.span.start.offset + inner}
    return {span: {start, end: arg.span.end}, argIndex: k}
  }
  return {judgement, problems: judgement.problems.map((p) => ({...p, ...locate(p.column)}))}
}

import * as z from 'zod/mini'
import {formatKiB} from '../lib/size.js'

/**
 * Why an `xl mem-set` (or `xl list <dom>`, `xm mem-set`) failed, in words an admin can act on.
 * The patterns are the real stderr captured on the Xen 4.17 lab (xenlab/captures/errors) and the
 * messages in tools/xl/xl_mem.c, xl_utils.c and libs/light/libxl_mem.c.
 *
 * xl gives no feedback on success: `xl mem-set` prints nothing and exits 0 at once, before the
 * balloon moves (lab). Success here only means "accepted".
 */

export const XL_ERROR_KINDS = [
  'ok',
  'below-dom0-minimum',
  'above-static-max',
  'invalid-size',
  'unknown-domain-name',
  'unknown-domain-id',
  'permission-denied',
  'no-xl-context',
  'xend-running',
  'xend-not-running',
  'usage',
  'unknown',
] as const
export type XlErrorKind = (typeof XL_ERROR_KINDS)[number]

export const XlErrorExplanationSchema = z.object({
  kind: z.enum(XL_ERROR_KINDS),
  explanation: z.string(),
  advice: z.string(),
  /** The tool's stderr, verbatim (trailing blank lines removed). */
  stderr: z.string(),
  exitCode: z.nullable(z.int()),
  /** The size argument as the tool echoed it (`cannot set domid 0 … to : 1537m`). */
  requestedText: z.optional(z.string()),
  /** The target libxl computed, KiB (`New target 130048 for dom0 …`). */
  targetKiB: z.optional(z.int()),
  /** The domain ID or name the tool named. */
  domain: z.optional(z.string()),
})
export type XlErrorExplanation = z.infer<typeof XlErrorExplanationSchema>

export interface XlFailure {
  stderr: string
  /** null when the tool did not exit (killed, timed out). */
  exitCode: number | null
  stdout?: string
}

/** libxl's floor for a dom0 target (LIBXL_MIN_DOM0_MEM, libxl_internal.h). */
const MIN_DOM0_KIB = 128 * 1024

/** Explain a failed (or successful) xl/xm run from its stderr and exit code. */
export function explainXlError(result: XlFailure): XlErrorExplanation {
  const stderr = result.stderr.trimEnd()
  const all = `${stderr}\n${result.stdout ?? ''}`
  const exitCode = result.exitCode
  const requestedText = /cannot set domid \d+ (?:dynamic|static) max memory to : (.*)$/m.exec(stderr)?.[1]
  const base = {stderr, exitCode, ...(requestedText === undefined ? {} : {requestedText})}
  const explained = (kind: XlErrorKind, explanation: string, advice: string, extra: Partial<XlErrorExplanation> = {}): XlErrorExplanation =>
    XlErrorExplanationSchema.parse({kind, explanation, advice, ...base, ...extra})

  if (exitCode === 0) {
    return explained('ok', 'The toolstack accepted the request.', 'xl mem-set returns before the balloon moves: watch info/current_kb (or `xl list`) until it reaches the target.')
  }

  const belowMin = /New target (\d+) for dom0 is below the minimum threshold/.exec(stderr)
  if (belowMin) {
    const targetKiB = Number(belowMin[1])
    return explained(
      'below-dom0-minimum',
      `libxl refuses a dom0 target below ${formatKiB(MIN_DOM0_KIB)} (LIBXL_MIN_DOM0_MEM); the requested target is ${formatKiB(targetKiB)}.`,
      'Even 128 MiB is accepted but not survivable: at 128 MiB the Xen lab dom0 OOM-killed sshd, cron and xenconsoled. Let memguard compute a safe floor from what dom0 uses.',
      {targetKiB, domain: '0'},
    )
  }

  if (/memory_dynamic_max must be less than or equal to memory_static_max/.test(stderr)) {
    const domain = /cannot set domid (\d+)/.exec(stderr)?.[1]
    let advice =
      'A target cannot exceed the static maximum (xenstore memory/static-max: max: in dom0_mem for dom0, maxmem= for a guest). For dom0, raise max: in dom0_mem and reboot; for a guest, `xl mem-max` first.'
    if (requestedText !== undefined && /^\d+$/.test(requestedText)) {
      advice = `xl reads a number without a unit as MiB (tools/xl/xl_parse.c parse_mem_size_kb), so ${requestedText} means ${formatKiB(Number(requestedText) * 1024)}, whatever the man page says about KiB. Give the unit: ${requestedText}k if you meant KiB.`
    } else if (requestedText?.startsWith('-')) {
      advice = `xl mem-set takes an absolute size; ${requestedText} is negative, and as an unsigned KiB count it is far above any maximum. Give the new size itself, e.g. 1024m.`
    }
    return explained('above-static-max', 'The target is above the domain\'s static maximum, so libxl refused it.', advice, domain === undefined ? {} : {domain})
  }

  const invalidSize = /^invalid memory size: (.*)$/m.exec(stderr)
  if (invalidSize) {
    return explained(
      'invalid-size',
      `xl cannot read the size ${JSON.stringify(invalidSize[1])}.`,
      'xl takes a whole number with at most one unit letter: b, k, m, g or t (1536m, not 1.5g or 1536MB). Without a unit it means MiB.',
      {requestedText: invalidSize[1] as string},
    )
  }

  const badName = /^(.*) is an invalid domain identifier(?: \(rc=-?\d+\))?$/m.exec(stderr)
  if (badName) {
    return explained('unknown-domain-name', `No domain is called ${JSON.stringify(badName[1])}.`, 'Check the name with `xl list` (names are case-sensitive), or give the domain ID.', {domain: badName[1] as string})
  }

  const badId = /unable to find domain info for domain (\d+)/.exec(stderr) ?? /Error: Domain '([^']*)' does not exist\./.exec(stderr)
  if (badId) {
    return explained('unknown-domain-id', `There is no domain ${badId[1]}.`, 'Check the ID with `xl list`: IDs change every time a domain is re-created.', {domain: badId[1] as string})
  }

  if (/xend is running/.test(stderr)) {
    return explained('xend-running', 'xl refuses to run while xend is running (Xen 4.1–4.4).', 'Use xm while xend manages the domains, or stop xend and use xl; do not mix them.')
  }

  if (/cannot init xl context/.test(stderr) && /Permission denied/.test(stderr)) {
    return explained('permission-denied', 'xl could not open the privileged hypervisor interface: permission denied.', 'Run as root (sudo). xl needs /dev/xen/privcmd and xenstored.')
  }
  if (/cannot init xl context/.test(stderr)) {
    return explained('no-xl-context', 'xl could not connect to the hypervisor or to xenstored.', 'Check that this is a Xen dom0 (/proc/xen/capabilities says control_d) and that xenstored is running.')
  }

  if (/Unable to connect to xend|Is xend running\?/i.test(all)) {
    return explained('xend-not-running', 'xm could not reach xend.', 'Start xend (service xend start), or use xl on Xen 4.1 and later.')
  }

  if (exitCode === 2 || /requires at least \d+ arguments?|^Usage: xl/m.test(all)) {
    return explained('usage', 'The command line was incomplete, so xl printed its usage.', 'Give the domain and the size: xl mem-set <Domain> <size with unit>, e.g. xl mem-set 0 1536m.')
  }

  return explained('unknown', stderr === '' ? `The command failed (exit ${exitCode ?? 'none'}) without a message.` : `The command failed: ${stderr.split('\n')[0]}`, 'See the full error output below.')
}

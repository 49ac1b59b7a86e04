import * as z from 'zod/mini'

/**
 * One line of "how memguard got this number", for renderers: `label  kib  note`. Every number the
 * safety layer produces comes with a list of these, so `--explain` (and the JSON) can show the sum.
 */
export const ExplanationLineSchema = z.object({
  label: z.string(),
  kib: z.int(),
  note: z.string(),
})
export type ExplanationLine = z.infer<typeof ExplanationLineSchema>

/** Round up to a whole MiB (sizes memguard suggests are always whole MiB). */
export function roundUpToMiB(kib: number): number {
  return Math.ceil(kib / 1024) * 1024
}

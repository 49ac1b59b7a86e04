import {Flags} from '@oclif/core'

/** Flags of every command that judges dom0's memory (status, mem-set, dom0-mem). */
export const safetyFlags = {
  headroom: Flags.string({
    description: 'Headroom above in-use memory in the safe floor: a size (256m; a bare number is MiB) or a percentage of in-use memory (30%). Default: max(128 MiB, 25% of in use).',
    helpValue: 'SIZE|PCT',
  }),
  'count-swap': Flags.boolean({
    description: 'Let free swap count as part of the headroom. Off by default: on a Xen dom0 swap is often slow or unusable when it matters.',
    default: false,
  }),
}

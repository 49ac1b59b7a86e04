import type {CmdlineArg, Span} from './text.js'

/**
 * One way a bootloader file boots Xen: a GRUB legacy `title` with `kernel /xen.gz …`, a GRUB2
 * `menuentry` with `multiboot(2) /xen.gz …`, a SYSLINUX `mboot.c32` label, or the boot section of
 * an EFI `xen.cfg`. The dom0_mem rules read these; `memguard dom0-mem` edits the Xen line through
 * the spans.
 */
export interface XenBootEntry {
  loader: 'grub-legacy' | 'grub2' | 'syslinux' | 'efi'
  title: string
  titleSpan: Span | undefined
  /** A recovery/single-user entry (GRUB2 "(recovery mode)"; GRUB legacy "single"). */
  recovery: boolean
  /** The hypervisor image, e.g. `/boot/xen.gz`. */
  hypervisor: {path: string; span: Span}
  /** Xen command-line words, after the image path (GRUB2's `placeholder` argv[0] dropped). */
  xenArgs: CmdlineArg[]
  /** The span of the whole Xen line (command, path and options): append new options at its end. */
  xenLine: Span
  /** The dom0 kernel's words (first module), when there is one. */
  dom0Args: CmdlineArg[] | undefined
  dom0Line: Span | undefined
}

/** `xen.gz`, `xen-4.2.0.gz`, `xen-4.17-amd64.gz`, `xen.efi`, `xen`: the hypervisor image. */
export function isXenImage(path: string): boolean {
  const base = path.replace(/^\([^)]*\)/, '').split('/').pop() ?? ''
  return /^xen(?:[-.][^/]*)?$/i.test(base) && !/\.(cfg|conf|cpio|img)$/i.test(base)
}

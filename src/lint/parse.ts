import {efiXenEntries, parseEfiConfig} from '../xen/config/efi-cfg.js'
import {grubCfgXenEntries, parseGrubCfg} from '../xen/config/grub-cfg.js'
import {grubLegacyXenEntries, parseGrubLegacy} from '../xen/config/grub-legacy.js'
import {parseShellAssignments} from '../xen/config/shell-assign.js'
import {parseSyslinux, syslinuxXenEntries} from '../xen/config/syslinux.js'
import {LineIndex} from '../xen/config/text.js'
import {parseXendConfig} from '../xen/config/xend-config.js'
import {parseXlConfig} from '../xen/config/xl-cfg.js'
import type {ParsedFile, SourceFile} from './types.js'

/** Parse a file with the parser for its kind. Never throws on bad input. */
export function parseSource(source: SourceFile): ParsedFile {
  const file = source.path
  switch (source.kind) {
    case 'xl-domain':
    case 'xl-cpupool':
    case 'xl-conf': {
      const xl = parseXlConfig(source.text, {file})
      return {kind: source.kind, source, index: xl.index, problems: xl.problems, xl} as ParsedFile
    }
    case 'xend-config': {
      const xend = parseXendConfig(source.text, {file})
      return {kind: 'xend-config', source, index: xend.index, problems: xend.problems, xend}
    }
    case 'grub-legacy': {
      const grubLegacy = parseGrubLegacy(source.text, {file})
      return {kind: 'grub-legacy', source, index: grubLegacy.index, problems: grubLegacy.problems, grubLegacy, xenEntries: grubLegacyXenEntries(grubLegacy)}
    }
    case 'grub-cfg': {
      const grubCfg = parseGrubCfg(source.text, {file})
      return {kind: 'grub-cfg', source, index: grubCfg.index, problems: grubCfg.problems, grubCfg, xenEntries: grubCfgXenEntries(grubCfg)}
    }
    case 'syslinux': {
      const syslinux = parseSyslinux(source.text, {file})
      return {kind: 'syslinux', source, index: syslinux.index, problems: syslinux.problems, syslinux, xenEntries: syslinuxXenEntries(syslinux)}
    }
    case 'efi-cfg': {
      const efi = parseEfiConfig(source.text, {file})
      return {kind: 'efi-cfg', source, index: efi.index, problems: efi.problems, efi, xenEntries: efiXenEntries(efi)}
    }
    case 'grub-default': {
      const shell = parseShellAssignments(source.text, {file})
      return {kind: 'grub-default', source, index: shell.index, problems: shell.problems, shell}
    }
    case 'script':
      return {kind: 'script', source, index: new LineIndex(source.text), problems: []}
  }
}

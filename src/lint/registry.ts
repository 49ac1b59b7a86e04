import {autoballoonInvalid} from './rules/autoballoon-invalid.js'
import {autoballoonWithDom0Mem} from './rules/autoballoon-with-dom0-mem.js'
import {deprecatedKey} from './rules/deprecated-key.js'
import {dom0MemBareNumber} from './rules/dom0-mem-bare-number.js'
import {dom0MemDefaultOnly} from './rules/dom0-mem-default-only.js'
import {dom0MemMalformed} from './rules/dom0-mem-malformed.js'
import {dom0MemMissing} from './rules/dom0-mem-missing.js'
import {dom0MemMultiple} from './rules/dom0-mem-multiple.js'
import {dom0MemNoMax} from './rules/dom0-mem-no-max.js'
import {dom0MemTooSmall} from './rules/dom0-mem-too-small.js'
import {domainTypeInvalid} from './rules/domain-type-invalid.js'
import {duplicateKey} from './rules/duplicate-key.js'
import {duplicateDomainName} from './rules/duplicate-domain-name.js'
import {duplicateMac} from './rules/duplicate-mac.js'
import {duplicateUuid} from './rules/duplicate-uuid.js'
import {efiCfgIgnored} from './rules/efi-cfg-ignored.js'
import {efiDefaultSectionMissing} from './rules/efi-default-section-missing.js'
import {hostMemoryOvercommit} from './rules/host-memory-overcommit.js'
import {hvmMaxmemAboveMemory} from './rules/hvm-maxmem-above-memory.js'
import {maxmemBelowMemory} from './rules/maxmem-below-memory.js'
import {memSetBareNumber} from './rules/mem-set-bare-number.js'
import {memoryInvalid} from './rules/memory-invalid.js'
import {memoryQuotedString} from './rules/memory-quoted-string.js'
import {podConflict} from './rules/pod-conflict.js'
import {syntaxError} from './rules/syntax-error.js'
import {unknownKey} from './rules/unknown-key.js'
import {xendDom0Ballooning} from './rules/xend-dom0-ballooning.js'
import {xendInvalidValue} from './rules/xend-invalid-value.js'
import {xmPythonConstruct} from './rules/xm-python-construct.js'
import type {Rule} from './types.js'

/** Every rule, in documentation order. */
export const ALL_RULES: readonly Rule[] = [
  syntaxError,
  xmPythonConstruct,
  // dom0 memory on the Xen command line (bootloaders)
  dom0MemMissing,
  dom0MemNoMax,
  dom0MemMalformed,
  dom0MemBareNumber,
  dom0MemTooSmall,
  dom0MemMultiple,
  dom0MemDefaultOnly,
  efiDefaultSectionMissing,
  efiCfgIgnored,
  // toolstack ballooning
  autoballoonInvalid,
  autoballoonWithDom0Mem,
  xendDom0Ballooning,
  xendInvalidValue,
  // domain configs
  unknownKey,
  duplicateKey,
  deprecatedKey,
  domainTypeInvalid,
  memoryInvalid,
  memoryQuotedString,
  maxmemBelowMemory,
  hvmMaxmemAboveMemory,
  podConflict,
  // scripts
  memSetBareNumber,
  // across files
  duplicateDomainName,
  duplicateUuid,
  duplicateMac,
  hostMemoryOvercommit,
]

export const RULES_BY_ID: ReadonlyMap<string, Rule> = new Map(ALL_RULES.map((r) => [r.id, r]))

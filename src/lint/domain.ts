import {type EffectiveSetting, effectiveSettings, type XlConfig, xlInteger, type XlValue} from '../xen/config/xl-cfg.js'
import type {Span} from '../xen/config/text.js'

/**
 * What xl would make of a domain config, as far as the memory rules need it: the domain type
 * (tools/xl/xl_parse.c parse_config_data) and memory/maxmem in MiB (xlu_cfg_get_long: strtol(…, 0)).
 */

export type DomainType = 'pv' | 'hvm' | 'pvh'

export interface IntegerSetting {
  setting: EffectiveSetting
  /** The value as xl reads it, or undefined when xl cannot read it as a number. */
  value: number | undefined
  span: Span
}

export interface DomainFacts {
  settings: ReadonlyMap<string, EffectiveSetting>
  /** Effective type; `assumed` when neither type= nor builder= says (xl: PV on x86, PVH on Arm). */
  type: DomainType
  typeAssumed: boolean
  memory: IntegerSetting | undefined
  maxmem: IntegerSetting | undefined
}

const cache = new WeakMap<XlConfig, DomainFacts>()

/** xl matches `type`/`builder` with strncmp(buf, "hvm", strlen(buf)): any prefix, even "". */
export function matchesPrefix(value: string, word: string): boolean {
  return word.startsWith(value)
}

export function typeFromTypeKey(value: string): DomainType | undefined {
  if (matchesPrefix(value, 'hvm')) return 'hvm'
  if (matchesPrefix(value, 'pv')) return 'pv'
  if (matchesPrefix(value, 'pvh')) return 'pvh'
  return undefined
}

export function typeFromBuilderKey(value: string): DomainType | undefined {
  if (matchesPrefix(value, 'hvm')) return 'hvm'
  if (matchesPrefix(value, 'generic')) return 'pv'
  return undefined
}

function integerSetting(setting: EffectiveSetting | undefined): IntegerSetting | undefined {
  if (!setting) return undefined
  const v = setting.value
  const parsed = v.type === 'atom' ? xlInteger(v.value) : undefined
  return {setting, value: parsed?.ok ? parsed.value : undefined, span: v.span}
}

export function domainFacts(xl: XlConfig): DomainFacts {
  const cached = cache.get(xl)
  if (cached) return cached
  const settings = effectiveSettings(xl)
  const typeValue = atom(settings.get('type')?.value)
  const builderValue = atom(settings.get('builder')?.value)
  let type: DomainType | undefined = typeValue === undefined ? undefined : typeFromTypeKey(typeValue)
  if (type === undefined && builderValue !== undefined) type = typeFromBuilderKey(builderValue)
  const facts: DomainFacts = {
    settings,
    type: type ?? 'pv',
    typeAssumed: type === undefined,
    memory: integerSetting(settings.get('memory')),
    maxmem: integerSetting(settings.get('maxmem')),
  }
  cache.set(xl, facts)
  return facts
}

export function atom(v: XlValue | undefined): string | undefined {
  return v?.type === 'atom' ? v.value : undefined
}

/** A list value's string items (xl's xlu_cfg_get_listitem), or [] for anything else. */
export function listItems(v: XlValue | undefined): Array<{value: string; span: Span}> {
  if (v?.type !== 'list') return []
  return v.items.filter((i) => i.type === 'atom').map((i) => ({value: (i as {value: string}).value, span: i.span}))
}

/** `key=value` pairs of a vif/disk spec item (`mac=00:16:3e:…,bridge=xenbr0`). */
export function specPairs(spec: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) map.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }
  return map
}

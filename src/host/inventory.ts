import {ParseError} from '../lib/errors.js'
import {checkSshHost, checkSshUser, type SshTarget} from './ssh-target.js'

/**
 * Ansible inventories (INI and YAML) into ssh targets. Pure: text or parsed data in, targets out;
 * reading the file is inventory-load.ts's job. The `yaml` package is imported lazily (+30 ms).
 *
 * Supported: groups, `:children` / `children:`, `:vars` / `vars:` (all < parent < child group <
 * host, same-depth groups applied in name order as Ansible does), host patterns with ranges
 * (`web[01:03]`, `node[a:c]`, `x[0:10:5]`), `host:port`, and the connection variables
 * `ansible_host`, `ansible_user`, `ansible_port` (plus the pre-2.0 `ansible_ssh_*` spellings).
 * Not supported: dynamic inventory scripts/plugins, vault-encrypted values, Jinja templating.
 */

export interface InventoryHost {
  /** The inventory name (also the label in reports). */
  name: string
  /** Direct and inherited groups, `all` first. */
  groups: string[]
  /** Effective variables after group and host precedence. */
  vars: Record<string, unknown>
  target: SshTarget
}

export interface InventoryGroup {
  name: string
  hosts: Set<string>
  children: Set<string>
  vars: Record<string, unknown>
}

export interface Inventory {
  hosts: InventoryHost[]
  groups: Map<string, InventoryGroup>
}

export type InventoryFormat = 'ini' | 'yaml'

interface HostEntry {
  name: string
  port?: number
  vars: Record<string, unknown>
  line?: number
}

class Builder {
  readonly groups = new Map<string, InventoryGroup>()
  readonly hosts = new Map<string, HostEntry>()
  private readonly order: string[] = []

  constructor(readonly file: string | undefined) {
    this.group('all')
    this.group('ungrouped')
    this.group('all').children.add('ungrouped')
  }

  group(name: string): InventoryGroup {
    let group = this.groups.get(name)
    if (!group) {
      group = {name, hosts: new Set(), children: new Set(), vars: {}}
      this.groups.set(name, group)
    }
    return group
  }

  host(groupName: string, entry: HostEntry): void {
    const existing = this.hosts.get(entry.name)
    if (existing) {
      Object.assign(existing.vars, entry.vars)
      if (entry.port !== undefined) existing.port = entry.port
    } else {
      this.hosts.set(entry.name, {...entry, vars: {...entry.vars}})
      this.order.push(entry.name)
    }
    this.group(groupName).hosts.add(entry.name)
  }

  child(parent: string, child: string, line?: number): void {
    if (parent === child) throw new ParseError(`group ${parent} cannot be its own child`, {file: this.file, line})
    this.group(parent).children.add(child)
    this.group(child)
  }

  build(): Inventory {
    const parents = new Map<string, Set<string>>()
    for (const group of this.groups.values()) {
      for (const child of group.children) {
        if (!parents.has(child)) parents.set(child, new Set())
        parents.get(child)?.add(group.name)
      }
    }
    // Every group without a parent hangs off `all`.
    for (const group of this.groups.values()) {
      if (group.name !== 'all' && !parents.get(group.name)?.size) {
        this.group('all').children.add(group.name)
        parents.set(group.name, new Set(['all']))
      }
    }
    const depth = new Map<string, number>()
    const depthOf = (name: string, seen: Set<string>): number => {
      const known = depth.get(name)
      if (known !== undefined) return known
      if (seen.has(name)) throw new ParseError(`group ${name} is its own ancestor (a cycle in children)`, {file: this.file})
      seen.add(name)
      let d = 0
      for (const parent of parents.get(name) ?? []) d = Math.max(d, depthOf(parent, seen) + 1)
      seen.delete(name)
      depth.set(name, d)
      return d
    }
    for (const name of this.groups.keys()) depthOf(name, new Set())

    const hosts: InventoryHost[] = []
    for (const name of this.order) {
      const entry = this.hosts.get(name) as HostEntry
      const groups = new Set<string>()
      const addWithAncestors = (group: string) => {
        if (groups.has(group)) return
        groups.add(group)
        for (const parent of parents.get(group) ?? []) addWithAncestors(parent)
      }
      for (const group of this.groups.values()) if (group.hosts.has(name)) addWithAncestors(group.name)
      // A host listed in no group (only possible as ungrouped) still belongs to all.
      groups.add('all')
      const ordered = [...groups].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || a.localeCompare(b))
      const vars: Record<string, unknown> = {}
      for (const group of ordered) Object.assign(vars, withAliases(this.groups.get(group)?.vars ?? {}))
      Object.assign(vars, withAliases(entry.vars))
      hosts.push({name, groups: ordered, vars, target: this.target(entry, vars)})
    }
    return {hosts, groups: this.groups}
  }

  private target(entry: HostEntry, vars: Record<string, unknown>): SshTarget {
    const location = {file: this.file, line: entry.line}
    const text = (key: string): string | undefined => {
      const value = vars[key]
      if (value === undefined || value === null || value === '') return undefined
      if (typeof value !== 'string' && typeof value !== 'number') throw new ParseError(`${key} of ${entry.name} must be a string, not ${JSON.stringify(value)}`, location)
      return String(value)
    }
    const host = text('ansible_host') ?? entry.name
    const user = text('ansible_user')
    const portText = text('ansible_port')
    let port = entry.port
    if (portText !== undefined) {
      if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) throw new ParseError(`ansible_port of ${entry.name} is not a port: ${JSON.stringify(portText)}`, location)
      port = Number(portText)
    }
    try {
      checkSshHost(host, entry.name)
      if (user !== undefined) checkSshUser(user, entry.name)
    } catch (error) {
      throw new ParseError((error as Error).message, location)
    }
    return {host, ...(user !== undefined ? {user} : {}), ...(port !== undefined ? {port} : {}), label: entry.name}
  }
}

/** Pre-2.0 spellings count as the modern names at the level (host or group) where they are set. */
function withAliases(vars: Record<string, unknown>): Record<string, unknown> {
  const out = {...vars}
  for (const name of ['host', 'user', 'port']) {
    if (out[`ansible_${name}`] === undefined && out[`ansible_ssh_${name}`] !== undefined) out[`ansible_${name}`] = out[`ansible_ssh_${name}`]
  }
  return out
}

/**
 * Expand Ansible host ranges: `web[01:03]` → web01 web02 web03 (zero padding kept), `[a:c]`,
 * `[0:10:5]` (stride), several ranges in one name.
 */
export function expandHostPattern(pattern: string): string[] {
  const m = /^(.*?)\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\](.*)$/.exec(pattern)
  if (!m) return [pattern]
  const [, head, from, to, strideText, tail] = m as unknown as [string, string, string, string, string | undefined, string]
  const stride = strideText === undefined ? 1 : Number(strideText)
  if (!(stride >= 1)) throw new Error(`bad stride in host range ${pattern}`)
  const items: string[] = []
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const start = Number(from)
    const end = Number(to)
    if (end < start) throw new Error(`host range ${pattern} runs backwards`)
    if ((end - start) / stride > 100_000) throw new Error(`host range ${pattern} is too large`)
    const width = from.length > 1 && from.startsWith('0') ? from.length : 0
    for (let n = start; n <= end; n += stride) items.push(String(n).padStart(width, '0'))
  } else if (/^[a-zA-Z]$/.test(from) && /^[a-zA-Z]$/.test(to)) {
    const start = from.charCodeAt(0)
    const end = to.charCodeAt(0)
    if (end < start) throw new Error(`host range ${pattern} runs backwards`)
    for (let c = start; c <= end; c += stride) items.push(String.fromCharCode(c))
  } else {
    throw new Error(`bad host range in ${pattern}: use [01:10] or [a:f]`)
  }
  return items.flatMap((item) => expandHostPattern(`${head}${item}${tail}`))
}

/**
 * Split an inventory host token into name and port: `host:2222`, `[v6]:2222`, a bare IPv6
 * address, and range patterns (whose colons are inside brackets).
 */
export function splitHostPort(token: string): {name: string; port?: number} {
  const v6 = /^\[([0-9A-Fa-f:.%]+:[0-9A-Fa-f:.%]*)\](?::(\d+))?$/.exec(token)
  if (v6) return {name: v6[1] as string, ...(v6[2] ? {port: Number(v6[2])} : {})}
  let depth = 0
  const colons: number[] = []
  for (let i = 0; i < token.length; i++) {
    const c = token[i]
    if (c === '[') depth++
    else if (c === ']') depth--
    else if (c === ':' && depth === 0) colons.push(i)
  }
  if (colons.length === 1) {
    const at = colons[0] as number
    const portText = token.slice(at + 1)
    if (/^\d{1,5}$/.test(portText)) return {name: token.slice(0, at), port: Number(portText)}
  }
  return {name: token}
}

function expandHostToken(token: string, file: string | undefined, line: number | undefined): Array<{name: string; port?: number}> {
  const {name, port} = splitHostPort(token)
  if (port !== undefined && (port < 1 || port > 65535)) throw new ParseError(`bad port in ${token}`, {file, line})
  try {
    return expandHostPattern(name).map((n) => ({name: n, ...(port !== undefined ? {port} : {})}))
  } catch (error) {
    throw new ParseError((error as Error).message, {file, line})
  }
}

/** Words of an INI line, shell-like: quotes group, `#` at a word start begins a comment. */
function iniWords(line: string, file: string | undefined, lineNo: number): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else if (c === '#' && !inWord) {
      break
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new ParseError(`unterminated ${quote} quote`, {file, line: lineNo})
  if (inWord) words.push(word)
  return words
}

/** Ansible reads INI values as Python literals; numbers and booleans are what inventories use. */
function iniValue(text: string): unknown {
  if (/^-?\d+$/.test(text)) return Number(text)
  if (text === 'True' || text === 'true') return true
  if (text === 'False' || text === 'false') return false
  return text
}

function keyValues(words: string[], file: string | undefined, line: number): Record<string, unknown> {
  const vars: Record<string, unknown> = {}
  for (const word of words) {
    const eq = word.indexOf('=')
    if (eq <= 0) throw new ParseError(`expected key=value, got ${JSON.stringify(word)}`, {file, line})
    vars[word.slice(0, eq)] = iniValue(word.slice(eq + 1))
  }
  return vars
}

const GROUP_NAME = /^[A-Za-z0-9_.-]+$/

export function parseIniInventory(text: string, file?: string): Inventory {
  const b = new Builder(file)
  let section: {group: string; kind: 'hosts' | 'vars' | 'children'} = {group: 'ungrouped', kind: 'hosts'}
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, index) => {
    const lineNo = index + 1
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) return
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) {
      const [name, kind = 'hosts', extra] = (header[1] as string).trim().split(':')
      if (extra !== undefined || !name || !GROUP_NAME.test(name)) throw new ParseError(`bad section header ${line}`, {file, line: lineNo})
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') throw new ParseError(`unknown section type :${kind} (expected :vars or :children)`, {file, line: lineNo})
      section = {group: name, kind}
      b.group(name)
      return
    }
    const words = iniWords(line, file, lineNo)
    if (words.length === 0) return
    switch (section.kind) {
      case 'vars': {
        // `key=value` or `key = value`; the value is the rest of the line, as Ansible reads it.
        const eq = line.indexOf('=')
        const key = eq > 0 ? line.slice(0, eq).trim() : ''
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ParseError(`expected key=value, got ${JSON.stringify(line)}`, {file, line: lineNo})
        let value = line.slice(eq + 1).trim()
        if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) value = value.slice(1, -1)
        b.group(section.group).vars[key] = iniValue(value)
        return
      }
      case 'children':
        if (words.length !== 1 || !GROUP_NAME.test(words[0] as string)) throw new ParseError(`expected a group name, got ${JSON.stringify(line)}`, {file, line: lineNo})
        b.child(section.group, words[0] as string, lineNo)
        return
      case 'hosts': {
        const [token, ...rest] = words as [string, ...string[]]
        const vars = keyValues(rest, file, lineNo)
        for (const host of expandHostToken(token, file, lineNo)) b.host(section.group, {...host, vars, line: lineNo})
        return
      }
    }
  })
  return b.build()
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A parsed YAML inventory (the object `yaml.parse` returns). */
export function parseYamlInventoryData(data: unknown, file?: string): Inventory {
  const b = new Builder(file)
  if (data === null || data === undefined) return b.build()
  if (!isRecord(data)) throw new ParseError('a YAML inventory must be a mapping of group names', {file})
  const visit = (name: string, body: unknown, path: string) => {
    if (!GROUP_NAME.test(name)) throw new ParseError(`bad group name ${JSON.stringify(name)} at ${path}`, {file})
    b.group(name)
    if (body === null || body === undefined) return
    if (!isRecord(body)) throw new ParseError(`${path} must be a mapping with hosts, vars or children`, {file})
    for (const key of Object.keys(body)) {
      if (key !== 'hosts' && key !== 'vars' && key !== 'children') throw new ParseError(`unknown key ${JSON.stringify(key)} at ${path} (expected hosts, vars or children)`, {file})
    }
    const {hosts, vars, children} = body
    if (hosts !== null && hosts !== undefined) {
      if (!isRecord(hosts)) throw new ParseError(`${path}.hosts must be a mapping of host names`, {file})
      for (const [token, hostVars] of Object.entries(hosts)) {
        if (hostVars !== null && hostVars !== undefined && !isRecord(hostVars)) throw new ParseError(`${path}.hosts.${token} must be a mapping of variables`, {file})
        for (const host of expandHostToken(token, file, undefined)) b.host(name, {...host, vars: {...(hostVars ?? {})}})
      }
    }
    if (vars !== null && vars !== undefined) {
      if (!isRecord(vars)) throw new ParseError(`${path}.vars must be a mapping`, {file})
      Object.assign(b.group(name).vars, vars)
    }
    if (children !== null && children !== undefined) {
      if (!isRecord(children)) throw new ParseError(`${path}.children must be a mapping of group names`, {file})
      for (const [child, childBody] of Object.entries(children)) {
        b.child(name, child)
        visit(child, childBody, `${path}.children.${child}`)
      }
    }
  }
  for (const [name, body] of Object.entries(data)) visit(name, body, name)
  return b.build()
}

/** YAML when the file says so (.yml/.yaml) or the text looks like a mapping; INI otherwise. */
export function detectInventoryFormat(text: string, file?: string): InventoryFormat {
  if (file && /\.ya?ml$/i.test(file)) return 'yaml'
  if (file && /\.(ini|cfg)$/i.test(file)) return 'ini'
  const first = text.split(/\r?\n/).find((l) => l.trim() && !l.trim().startsWith('#'))
  if (first === undefined) return 'ini'
  if (first.trim() === '---' || /^[A-Za-z0-9_.-]+:\s*(#.*)?$/.test(first.trim())) return 'yaml'
  return 'ini'
}

export async function parseInventory(text: string, options: {file?: string; format?: InventoryFormat} = {}): Promise<Inventory> {
  const format = options.format ?? detectInventoryFormat(text, options.file)
  if (format === 'ini') return parseIniInventory(text, options.file)
  const {parse, YAMLParseError} = await import('yaml')
  let data: unknown
  try {
    data = parse(text)
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const pos = error.linePos?.[0]
      throw new ParseError(error.message.split('\n')[0] as string, {file: options.file, line: pos?.line, column: pos?.col})
    }
    throw error
  }
  return parseYamlInventoryData(data, options.file)
}

/**
 * The hosts matching an Ansible-style limit: group or host names separated by "," or ":"
 * ("all" or no limit: every host). Unknown names are an error, not an empty fleet.
 */
export function selectHosts(inventory: Inventory, limit?: string): InventoryHost[] {
  if (!limit || limit === 'all' || limit === '*') return inventory.hosts
  const wanted = limit.split(/[,:]/).map((s) => s.trim()).filter(Boolean)
  const names = new Set<string>()
  for (const name of wanted) {
    const group = inventory.groups.has(name)
    const hosts = inventory.hosts.filter((h) => (group ? h.groups.includes(name) : h.name === name))
    if (!group && hosts.length === 0) throw new ParseError(`no group or host named ${JSON.stringify(name)} in the inventory`)
    hosts.forEach((h) => names.add(h.name))
  }
  return inventory.hosts.filter((h) => names.has(h.name))
}

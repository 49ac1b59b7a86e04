import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {loadInventory} from '../../src/host/inventory-load.js'
import {detectInventoryFormat, expandHostPattern, parseIniInventory, parseInventory, selectHosts, splitHostPort} from '../../src/host/inventory.js'
import {ParseError} from '../../src/lib/errors.js'

const INI = `# dom0s of the lab
mail.example.com

[dom0s]
xen[01:03].example.com
old-rhel5 ansible_host=10.0.0.5 ansible_user=admin ansible_port=2222
bastion.example.com:2200 ansible_user="ops team"   # inline comment

[dom0s:vars]
ansible_user=root
memguard_floor = 1g

[storage]
nas[a:b] ansible_ssh_user=legacy ansible_ssh_port=2022

[xen:children]
dom0s
storage

[xen:vars]
ansible_port=22

[all:vars]
ansible_user=nobody
`

const YAML = `---
all:
  hosts:
    mail.example.com:
  vars:
    ansible_user: nobody
  children:
    xen:
      vars:
        ansible_port: 22
      children:
        dom0s:
          hosts:
            xen[01:03].example.com:
            old-rhel5:
              ansible_host: 10.0.0.5
              ansible_user: admin
              ansible_port: 2222
            "bastion.example.com:2200":
          vars:
            ansible_user: root
        storage:
          hosts:
            nas[a:b]:
              ansible_ssh_user: legacy
              ansible_ssh_port: 2022
`

const targets = (hosts: Array<{target: unknown}>) => hosts.map((h) => h.target)

const EXPECTED = [
  {host: 'mail.example.com', user: 'nobody', label: 'mail.example.com'},
  {host: 'xen01.example.com', user: 'root', port: 22, label: 'xen01.example.com'},
  {host: 'xen02.example.com', user: 'root', port: 22, label: 'xen02.example.com'},
  {host: 'xen03.example.com', user: 'root', port: 22, label: 'xen03.example.com'},
  {host: '10.0.0.5', user: 'admin', port: 2222, label: 'old-rhel5'},
  {host: 'bastion.example.com', user: 'root', port: 22, label: 'bastion.example.com'},
  {host: 'nasa', user: 'legacy', port: 2022, label: 'nasa'},
  {host: 'nasb', user: 'legacy', port: 2022, label: 'nasb'},
]

describe('Ansible inventories', () => {
  it('an INI inventory gives one target per host, with group, child-group and host variables in Ansible order', () => {
    const inv = parseIniInventory(INI.replace('ansible_user="ops team"', 'ansible_user="ops"'), 'hosts.ini')
    const byName = new Map(inv.hosts.map((h) => [h.name, h]))
    // host vars beat the dom0s group, which beats its parent xen, which beats all
    expect(byName.get('old-rhel5')?.target).toEqual({host: '10.0.0.5', user: 'admin', port: 2222, label: 'old-rhel5'})
    expect(byName.get('xen02.example.com')?.target).toEqual({host: 'xen02.example.com', user: 'root', port: 22, label: 'xen02.example.com'})
    expect(byName.get('mail.example.com')?.target).toEqual({host: 'mail.example.com', user: 'nobody', label: 'mail.example.com'})
    expect(byName.get('xen01.example.com')?.groups).toEqual(['all', 'xen', 'dom0s'])
    expect(byName.get('xen01.example.com')?.vars.memguard_floor).toBe('1g')
    expect(byName.get('nasa')?.target).toEqual({host: 'nasa', user: 'legacy', port: 2022, label: 'nasa'})
  })

  it('an INI host line with a quoted value that is not a valid user name is a located error', () => {
    expect(() => parseIniInventory(INI, 'hosts.ini')).toThrow(ParseError)
    try {
      parseIniInventory(INI, 'hosts.ini')
    } catch (error) {
      expect((error as ParseError).located).toBe('hosts.ini:7: bad user name "ops team" in "bastion.example.com"')
    }
  })

  it('a YAML inventory gives the same targets as the equivalent INI', async () => {
    const ini = parseIniInventory(INI.replace('ansible_user="ops team"', ''))
    const yaml = await parseInventory(YAML, {file: 'hosts.yml'})
    expect(targets(yaml.hosts)).toEqual(EXPECTED)
    expect(targets(ini.hosts)).toEqual(EXPECTED)
  })

  it('expands host ranges with padding, letters and strides', () => {
    expect(expandHostPattern('web[01:03].example')).toEqual(['web01.example', 'web02.example', 'web03.example'])
    expect(expandHostPattern('db-[a:c]')).toEqual(['db-a', 'db-b', 'db-c'])
    expect(expandHostPattern('n[0:10:5]')).toEqual(['n0', 'n5', 'n10'])
    expect(expandHostPattern('r[1:2]n[1:2]')).toEqual(['r1n1', 'r1n2', 'r2n1', 'r2n2'])
    expect(() => expandHostPattern('x[3:1]')).toThrow(/backwards/)
  })

  it('splits ports from names, IPv6 included', () => {
    expect(splitHostPort('dom0:2222')).toEqual({name: 'dom0', port: 2222})
    expect(splitHostPort('[2001:db8::1]:22')).toEqual({name: '2001:db8::1', port: 22})
    expect(splitHostPort('2001:db8::1')).toEqual({name: '2001:db8::1'})
    expect(splitHostPort('web[01:03]')).toEqual({name: 'web[01:03]'})
    expect(splitHostPort('web[01:03]:2200')).toEqual({name: 'web[01:03]', port: 2200})
  })

  it('limits to groups and hosts, and an unknown name is an error', () => {
    const inv = parseIniInventory(INI.replace('ansible_user="ops team"', ''))
    expect(selectHosts(inv, 'storage').map((h) => h.name)).toEqual(['nasa', 'nasb'])
    expect(selectHosts(inv, 'storage,old-rhel5').map((h) => h.name)).toEqual(['old-rhel5', 'nasa', 'nasb'])
    expect(selectHosts(inv, 'xen')).toHaveLength(7)
    expect(selectHosts(inv)).toHaveLength(8)
    expect(() => selectHosts(inv, 'nope')).toThrow(/no group or host named "nope"/)
  })

  it('reports broken inventories with file and line', async () => {
    const cases: Array<[string, RegExp]> = [
      ['[dom0s:weird]\nx\n', /inv:1: unknown section type :weird/],
      ['[dom0s]\nhost ansible_port=99999\n', /inv:2: ansible_port of host is not a port/],
      ['[dom0s]\nhost notakeyvalue\n', /inv:2: expected key=value/],
      ['[a:children]\nb\n[b:children]\na\n', /its own ancestor/],
      ['[dom0s]\n-oProxyCommand=x\n', /inv:2: bad host name/],
      ["[dom0s]\nhost ansible_user='unterminated\n", /inv:2: unterminated ' quote/],
    ]
    for (const [text, message] of cases) {
      await expect(parseInventory(text, {file: 'inv', format: 'ini'}).catch((e: ParseError) => Promise.reject(new Error(e.located)))).rejects.toThrow(message)
    }
    await expect(parseInventory('all:\n  hosts: [a, b]\n', {file: 'inv.yml'})).rejects.toThrow(/all.hosts must be a mapping/)
    await expect(parseInventory('all:\n  hosts:\n    a: 1\n', {file: 'inv.yml'})).rejects.toThrow(/all.hosts.a must be a mapping/)
    await expect(parseInventory('all: [\n', {file: 'inv.yml'}).catch((e: ParseError) => Promise.reject(new Error(e.located)))).rejects.toThrow(/^inv.yml:2/)
  })

  it('detects the format from the name or the text', () => {
    expect(detectInventoryFormat('', 'hosts.yaml')).toBe('yaml')
    expect(detectInventoryFormat('all:\n  hosts:\n')).toBe('yaml')
    expect(detectInventoryFormat('---\n')).toBe('yaml')
    expect(detectInventoryFormat('[dom0s]\nx\n')).toBe('ini')
    expect(detectInventoryFormat('dom0.example\n')).toBe('ini')
    expect(detectInventoryFormat('dom0.example:22\n')).toBe('ini')
  })

  describe('loadInventory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mg-inv-'))
    afterAll(() => rmSync(dir, {recursive: true, force: true}))

    it('reads a file and applies a limit', async () => {
      writeFileSync(join(dir, 'hosts'), '[dom0s]\na\nb\n[other]\nc\n')
      expect((await loadInventory(join(dir, 'hosts'), 'dom0s')).map((h) => h.name)).toEqual(['a', 'b'])
    })

    it('a missing file and an empty inventory are usage errors', async () => {
      await expect(loadInventory(join(dir, 'nope'))).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('no such file')})
      writeFileSync(join(dir, 'empty'), '# nothing\n')
      await expect(loadInventory(join(dir, 'empty'))).rejects.toMatchObject({exitCode: 2, message: expect.stringContaining('has no hosts')})
    })
  })
})

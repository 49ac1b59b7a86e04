/**
 * The keys xl and xm read, for the unknown-key, misplaced-key and deprecated-key lint rules.
 *
 * Extracted from xen-project/xen (every `xlu_cfg_get_*(config, "key", …)` call):
 *  - domain configs: tools/libxl/xl_cmdimpl.c (4.1 – 4.8) and tools/xl/xl_parse.c (4.9 – 4.23-dev),
 *    union over RELEASE-4.1.0, 4.4.0, 4.8.0, 4.12.0, 4.17.0 and master (c447b7308b), so a key
 *    that an older xl still reads is not called unknown; cpupool files use the same parser
 *    (name, sched, cpus, nodes);
 *  - xl.conf: parse_global_config() in tools/libxl/xl.c and tools/xl/xl.c, same releases;
 *  - xm: gopts.var(...) in tools/python/xen/xm/create.py at RELEASE-4.1.0 (xm's last release).
 * xl ignores unknown keys silently, so a typo (`vcpu = 2`) just falls back to the default.
 */

/** Keys some release of xl reads from a domain (or cpupool) config. */
export const XL_DOMAIN_KEYS: ReadonlySet<string> = new Set([
  'acpi', 'acpi_firmware', 'acpi_laptop_slate', 'acpi_s3', 'acpi_s4', 'altp2m', 'altp2m_count',
  'altp2mhvm', 'apic', 'arm_sci', 'bios', 'bios_path_override', 'boot', 'bootloader',
  'bootloader_args', 'bootloader_restrict', 'bootloader_user', 'builder', 'cap', 'channel',
  'cmdline', 'cpu_weight', 'cpuid', 'cpus', 'cpus_soft', 'device_model', 'device_model_args',
  'device_model_override', 'device_model_stubdomain_override', 'device_model_stubdomain_seclabel',
  'device_model_user', 'device_model_version', 'device_tree', 'disk', 'display', 'dm_restrict',
  'driver_domain', 'dtdev', 'e820_host', 'extra', 'extratime', 'firmware', 'firmware_override',
  'gfx_passthru', 'gic_version', 'hap', 'hdtype', 'hpet', 'hvm_pirq', 'init_seclabel', 'iomem',
  'ioports', 'irqs', 'kernel', 'keymap', 'latency', 'llc_colors', 'localtime',
  'max_event_channels', 'max_grant_frames', 'max_grant_version', 'max_maptrack_frames', 'maxmem',
  'maxvcpus', 'mca_caps', 'memory', 'mmio_hole', 'ms_vm_genid', 'msr_relaxed', 'name', 'nestedhvm',
  'nodes', 'nographic', 'nomigrate', 'nr_spis', 'nx', 'on_crash', 'on_poweroff', 'on_reboot',
  'on_soft_reset', 'on_watchdog', 'oos', 'opengl', 'p9', 'pae', 'passthrough', 'pci',
  'pci_msitranslate', 'pci_permissive', 'pci_power_mgmt', 'pci_seize', 'period', 'pool', 'pvcalls',
  'pvh', 'pvshim', 'pvshim_cmdline', 'pvshim_extra', 'pvshim_path', 'ramdisk', 'rdm',
  'rdm_mem_boundary', 'root', 'rtc_timeoffset', 'sched', 'sdl', 'seclabel', 'serial',
  'shadow_memory', 'slice', 'smbios', 'smbios_firmware', 'soundhw', 'spice',
  'spice_clipboard_sharing', 'spice_image_compression', 'spice_streaming_video',
  'spiceagent_mouse', 'spicedisable_ticketing', 'spicehost', 'spicepasswd', 'spiceport',
  'spicetls_port', 'spiceusbredirection', 'spicevdagent', 'stdvga', 'stubdomain_cmdline',
  'stubdomain_kernel', 'stubdomain_memory', 'stubdomain_ramdisk', 'sve', 'tee', 'timer_mode',
  'trap_unmapped_accesses', 'tsc_mode', 'type', 'usb', 'usbctrl', 'usbdev', 'usbdevice',
  'usbversion', 'uuid', 'vcpus', 'vdispl', 'vendor_device', 'vfb', 'vga', 'videoram', 'vif',
  'vif2', 'viridian', 'virtio', 'vkb', 'vkb_device', 'vmtrace_buf_kb', 'vnc', 'vncdisplay',
  'vnclisten', 'vncpasswd', 'vncunused', 'vncviewer', 'vnuma', 'vpmu', 'vpt_align', 'vsnd', 'vtpm',
  'vuart', 'xauthority', 'xen_platform_pci', 'xen_platform_pci_bar_uc',
  'xend_suspend_evtchn_compat', 'xenstore_feature_mask', 'xenstore_quota',
])

/** Keys only xm (Xen ≤ 4.1's Python toolstack) understood; xl ignores them. */
export const XM_ONLY_DOMAIN_KEYS: ReadonlySet<string> = new Set([
  'access_control', 'blkif', 'bootargs', 'bootentry', 'cpu', 'cpu_cap', 'cpuid_check',
  'description', 'dhcp', 'fda', 'fdb', 'features', 'gateway', 'guest_os_type', 'hostname',
  'interface', 'ip', 'irq', 'isa', 'loader', 'machine_address_size', 'memory_sharing', 'monitor',
  'monitor_path', 'netif', 'netmask', 'nfs_root', 'nfs_server', 'nics', 'on_xend_start',
  'on_xend_stop', 'parallel', 'restart', 's3_integrity', 'superpages',
  'suppress_spurious_page_faults', 'target', 'tpmif', 'vcpu_avail', 'vhpt', 'vncconsole', 'vscsi',
  'vusb',
])

/** Keys xl reads from /etc/xen/xl.conf. */
export const XL_CONF_KEYS: ReadonlySet<string> = new Set([
  'autoballoon', 'blkdev_start', 'bootloader_restrict', 'claim_mode', 'colo.default.proxyscript',
  'defaultbridge', 'domid_policy', 'lockfile', 'max_grant_frames', 'max_grant_version',
  'max_maptrack_frames', 'output_format', 'remus.default.netbufscript', 'run_hotplug_scripts',
  'vif.default.backend', 'vif.default.bridge', 'vif.default.gatewaydev', 'vif.default.script',
  'vifscript', 'vm.cpumask', 'vm.hvm.cpumask', 'vm.pv.cpumask',
])

/** Well-known misspellings and confusions, checked before the edit-distance suggestion. */
export const KEY_CONFUSIONS: Readonly<Record<string, string>> = {
  vcpu: 'vcpus',
  maxcpus: 'maxvcpus',
  max_vcpus: 'maxvcpus',
  initrd: 'ramdisk',
  maxmemory: 'maxmem',
  max_mem: 'maxmem',
  mem: 'memory',
  autoballon: 'autoballoon',
  auto_balloon: 'autoballoon',
  cpu_cap: 'cap',
  vnc_listen: 'vnclisten',
  vnc_passwd: 'vncpasswd',
}

/** Domain-config keys xl still reads but deprecates or ignores, with the replacement. */
export const DEPRECATED_DOMAIN_KEYS: Readonly<Record<string, {use: string; why: string}>> = {
  builder: {use: 'type', why: 'deprecated since Xen 4.10 (tools/xl/xl_parse.c); builder="hvm" is type="hvm", builder="generic" is type="pv"'},
  device_model: {use: 'device_model_override', why: 'xl ignores it ("WARNING: ignoring device_model directive")'},
  vncviewer: {use: 'the -V option of `xl create`', why: 'xl ignores it (WARNING: ignoring "vncviewer" option)'},
  vif2: {use: 'vif', why: 'netchannel2 is deprecated and not supported by xl'},
  pvh: {use: 'type = "pvh"', why: 'pvh=1 was the experimental PVHv1 mode of xl 4.4 – 4.8; xl 4.9 removed it (commit 33e5c32559) and ignores the key'},
}

/** xl.conf keys that xl deprecates, with the replacement. */
export const DEPRECATED_XL_CONF_KEYS: Readonly<Record<string, {use: string; why: string}>> = {
  vifscript: {use: 'vif.default.script', why: 'xl prints "the global config option vifscript is deprecated"'},
  defaultbridge: {use: 'vif.default.bridge', why: 'xl prints "the global config option defaultbridge is deprecated"'},
}

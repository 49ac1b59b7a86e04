import type {ProcessInfo} from '../linux/processes.js'

/**
 * memguard's OOM protection policy: for each critical service (ids from classifyCritical), the
 * value it should have and why. One table, read by `memguard protect` (what to set), `memguard oom`
 * and `memguard status` (what counts as "unprotected"), so the three never disagree.
 *
 * The facts behind the values (../shared/xen-facts.md §0.4–0.5, §2):
 * - oom_score_adj −1000 (OOM_SCORE_ADJ_MIN, kernels ≥ 2.6.36) and oom_adj −17 (OOM_DISABLE, the
 *   only knob before) both mean "never chosen". Documentation/filesystems/proc.rst §3.1.
 * - The value is inherited across fork() and kept across exec(): everything a protected process
 *   starts is protected too, unless the process resets it. OpenSSH resets it in every session child
 *   (`platform_post_fork_child()` → `oom_adjust_restore()`, since 5.4p1); cron does not.
 * - On modern kernels a negative adj below −1000 is a handicap, not an exemption:
 *   points = rss + swap + page tables + adj × (RAM + swap pages) / 1000 (mm/oom_kill.c oom_badness()).
 *   On pre-2.6.36 kernels oom_adj shifts the badness: points >>= −adj.
 */

export type PolicyMode =
  /** memguard sets this value by default. */
  | 'protect'
  /** Left killable on purpose (see `why`); never reported as unprotected. */
  | 'leave'
  /** Critical, but not in the default set: reported, protected only with `--process NAME`. */
  | 'opt-in'

export interface ServicePolicy {
  service: string
  mode: PolicyMode
  /** oom_score_adj to set (kernels ≥ 2.6.36). */
  scoreAdj: number
  /** oom_adj to set on kernels before 2.6.36. */
  oomAdj: number
  /** Why this value (printed by `protect`). */
  why: string
  /** What the children of the process end up with. */
  children: string
  /**
   * Persistent form on systemd: whether the drop-in sets OOMScoreAdjust= (it applies to every
   * process of the unit), and whether it adds Restart=on-failure when the unit has no Restart=.
   * null: nothing to persist (a transient process).
   */
  systemd: {oomScoreAdjust: boolean; restartOnFailure: boolean} | null
}

export const OOM_SCORE_ADJ_MIN = -1000
export const OOM_DISABLE = -17

/**
 * cron's value: −100 (oom_adj −4 before 2.6.36), not −1000/−17.
 *
 * crond has no reset: every job it starts inherits its value. At −1000 every cron job – the nightly
 * backup, a runaway report – would be unkillable, and the OOM killer would take everything else
 * first; at −17 on RHEL5 the same. −100 instead subtracts a tenth of RAM+swap from the points: the
 * 2–3 MiB daemon sorts after every process at adj 0 (its points go negative), while a job stays
 * killable and is still chosen first once it holds a tenth of memory more than its rival – which
 * is what a runaway job does. On 2.6.18's shift model −4 divides the badness by 16: crond drops
 * below the ordinary daemons, a job that balloons to hundreds of MiB still outranks them.
 * The rest of cron's safety comes from elsewhere: OOMPolicy=continue (systemd's default `stop`
 * would stop all of cron.service when the kernel kills one job), Restart=on-failure (crond comes back
 * if it is killed anyway), and a backstop that does not depend on cron at all (`--backstop`).
 */
export const CRON_SCORE_ADJ = -100
export const CRON_OOM_ADJ = -4

const NEVER = 'never chosen by the OOM killer'

export const SERVICE_POLICIES: readonly ServicePolicy[] = [
  {
    service: 'sshd',
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: the listener is the way in to repair the host. Only the listener: OpenSSH (≥ 5.4p1) protects it itself and resets every session child to the value it found at start-up, so sessions stay killable`,
    children: 'ssh sessions get the value sshd found when it started (0), not the listener’s: OpenSSH ≥ 5.4p1 resets them; an older sshd (RHEL5’s 4.3p2) does not, and then every session inherits −17',
    // OOMScoreAdjust= on the unit would be saved by sshd as "the value it found" and restored into
    // every session: sessions would become unkillable. So the drop-in sets it only when this sshd
    // does not protect itself (see protect-plan.ts).
    systemd: {oomScoreAdjust: false, restartOnFailure: false},
  },
  {
    service: 'xenstored',
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: without xenstored no toolstack command works (not even the mem-set that would undo a squeeze) and the backends stall; C xenstored cannot be restarted without losing every domain's state`,
    children: 'it starts no children',
    systemd: {oomScoreAdjust: true, restartOnFailure: false},
  },
  {
    service: 'xenconsoled',
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: the guest consoles (xl console), the way into a guest whose network is gone; the lab lost it at a 128 MiB target`,
    children: 'it starts no children',
    systemd: {oomScoreAdjust: true, restartOnFailure: false},
  },
  {
    service: 'journald',
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: it records the OOM kills that explain the incident, and services writing to it block when it is gone. Upstream ships −250 with Restart=always; under a balloon that keeps taking memory a restarted journald is killed again, so memguard lowers it to −1000`,
    children: 'it starts no children',
    systemd: {oomScoreAdjust: true, restartOnFailure: false},
  },
  {
    service: 'memguard-reverter',
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: the dead-man switch that restores dom0's memory target if this change cuts you off; it sets −1000 itself where the kernel lets it`,
    children: 'its `sleep 1` and the final `xl mem-set` inherit −1000; both are short-lived and small',
    systemd: null,
  },
  {
    service: 'cron',
    mode: 'protect',
    scoreAdj: CRON_SCORE_ADJ,
    oomAdj: CRON_OOM_ADJ,
    why: 'a handicap, not an exemption: crond (a few MiB) sorts after every process at adj 0, but stays killable – because every cron job inherits the value (cron has no reset), and −1000 would make every job unkillable too. A runaway job still dies first once it holds a tenth of RAM+swap more than its rival',
    children: 'every cron job inherits −100 (oom_adj −4): slightly favoured, never exempt',
    systemd: {oomScoreAdjust: true, restartOnFailure: true},
  },
  {
    service: 'xenwatchdogd',
    mode: 'leave',
    scoreAdj: 0,
    oomAdj: 0,
    why: 'left killable on purpose: if the OOM killer gets that far, xenwatchdogd dies, stops petting the Xen watchdog and Xen reboots the host – a reboot instead of a brick. Protected, it would keep a bricked host "alive"',
    children: 'it starts no children',
    systemd: null,
  },
  {
    service: 'console-getty',
    mode: 'leave',
    scoreAdj: 0,
    oomAdj: 0,
    why: 'left at its value: init/systemd respawns the console getty (inittab respawn, serial-getty@ Restart=always), and a protected getty would make every console login shell and every command typed there unkillable',
    children: 'login shells on the console inherit it',
    systemd: null,
  },
  {
    service: 'init',
    mode: 'leave',
    scoreAdj: 0,
    oomAdj: 0,
    why: 'the kernel never chooses init',
    children: '',
    systemd: null,
  },
  {
    service: 'qemu-dm',
    mode: 'opt-in',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: 'not by default: one device model per HVM guest and often the largest processes in dom0; exempting all of them leaves the OOM killer only dom0’s own services. Add it with --process when a guest matters more',
    children: 'it starts no children',
    systemd: null,
  },
  {
    service: 'xend',
    mode: 'opt-in',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: 'not by default: xend forks qemu-dm device models and hotplug scripts, which would all inherit the exemption. Add it with --process xend on an xm host where losing xend is worse',
    children: 'qemu-dm device models and hotplug scripts it forks inherit the value',
    systemd: {oomScoreAdjust: true, restartOnFailure: false},
  },
]

const BY_SERVICE = new Map(SERVICE_POLICIES.map((p) => [p.service, p]))

export function policyFor(service: string | null | undefined): ServicePolicy | undefined {
  return service ? BY_SERVICE.get(service) : undefined
}

/** The policy for a process named with `--process NAME`: never chosen. */
export function customPolicy(name: string): ServicePolicy {
  return {
    service: name,
    mode: 'protect',
    scoreAdj: OOM_SCORE_ADJ_MIN,
    oomAdj: OOM_DISABLE,
    why: `${NEVER}: named with --process`,
    children: 'its children inherit the value unless it resets them',
    systemd: {oomScoreAdjust: true, restartOnFailure: false},
  }
}

/** The value the policy wants for this process's knob. */
export function wantedValue(policy: Pick<ServicePolicy, 'scoreAdj' | 'oomAdj'>, knob: 'oom_score_adj' | 'oom_adj'): number {
  return knob === 'oom_score_adj' ? policy.scoreAdj : policy.oomAdj
}

/**
 * Is the process at least as protected as the policy wants? (More protected counts: cron at −1000
 * meets it, and is reported separately for the inheritance.)
 */
export function meetsPolicy(p: Pick<ProcessInfo, 'oomScoreAdj' | 'oomAdj'>, policy: Pick<ServicePolicy, 'scoreAdj' | 'oomAdj'>): boolean {
  if (p.oomScoreAdj !== null) return p.oomScoreAdj <= policy.scoreAdj
  if (p.oomAdj !== null) return p.oomAdj === OOM_DISABLE || (policy.oomAdj !== OOM_DISABLE && p.oomAdj <= policy.oomAdj)
  return false
}

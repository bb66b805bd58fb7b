/**
 * startCpuMeter: CPU time this process (plus, when charged, the local PostgreSQL server) used over a measured
 * window, and the share of all CPUs every other process took meanwhile (Linux /proc; undefined elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** What a meter saw between start and stop. */
export interface CpuReading {
  /** CPU time of this process, plus the PostgreSQL server's when charged, in µs. */
  readonly cpuMicros: number
  /** Share (0–1) of all CPUs used by uncharged processes; undefined where /proc is absent. */
  readonly othersCpuShare: number | undefined
}

const MICROS_PER_TICK = 10_000 // USER_HZ = 100 on Linux

/** Starts a meter; the returned function reads it (and may be called once or more). */
export function startCpuMeter(chargePostgres: boolean): () => CpuReading {
  const ownBefore = process.cpuUsage()
  const machineBefore = machineTicks()
  const postgresBefore = chargePostgres ? postgresTicks() : 0
  const started = performance.now()
  return () => {
    const own = process.cpuUsage(ownBefore)
    const wallMicros = (performance.now() - started) * 1000
    const machineAfter = machineTicks()
    const postgresMicros = chargePostgres ? (postgresTicks() - postgresBefore) * MICROS_PER_TICK : 0
    const cpuMicros = own.user + own.system + postgresMicros
    const othersCpuShare =
      machineBefore === undefined || machineAfter === undefined || wallMicros <= 0
        ? undefined
        : Math.max(0, (machineAfter - machineBefore) * MICROS_PER_TICK - cpuMicros) / (wallMicros * cpus().length)
    return { cpuMicros, othersCpuShare }
  }
}

/** Busy (non-idle, non-iowait) ticks summed over all CPUs since boot. */
function machineTicks(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]?.trim().split(/\s+/) ?? []
    if (fields[0] !== 'cpu') return undefined
    // user nice system idle iowait irq softirq steal (guest time is already counted in user and nice)
    const [user, nice, system, , , irq, softirq, steal] = fields.slice(1, 9).map(Number)
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((total, ticks) => total + (ticks ?? 0), 0)
    return Number.isFinite(busy) ? busy : undefined
  } catch {
    return undefined
  }
}

/** User + system ticks of the live processes named `postgres` (0 where /proc is absent). */
function postgresTicks(): number {
  let ticks = 0
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return 0
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'latin1')
    } catch {
      continue // reason: the process exited since readdir
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue
    ticks += statTicks(stat)
  }
  return ticks
}

/** User + system CPU time of process `pid` so far, in µs (Linux /proc). */
export function processCpuMicros(pid: number): number {
  return statTicks(readFileSync(`/proc/${pid}/stat`, 'latin1')) * MICROS_PER_TICK
}

/** User + system ticks in the text of a /proc/<pid>/stat file. */
function statTicks(stat: string): number {
  // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0)
}

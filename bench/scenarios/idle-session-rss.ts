/**
 * Scenario `idle-rss`: SESSIONS sessions, each holding a short reply and one idle connected viewer
 * (open-idle-sessions.ts). Reported: the server process's RSS growth (after a full GC, from the empty server to all
 * sessions open) divided by the number of sessions, and the CPU the server spends while nothing happens, per 1 000
 * idle viewers (over CPU_WINDOW_MS, once CPU_SETTLE_MS have passed with every session open). Lifeline's viewers run
 * without their heartbeat there, as no peer's client probes; two runs of HEARTBEAT_SESSIONS sessions, with and
 * without the default heartbeat, add what it costs. With `--breakdown`, a second, smaller run per system (BREAKDOWN_SESSIONS) takes heap snapshots of the
 * empty and the loaded server and prints the heap per session by component (heap-breakdown.ts).
 */
import { rmSync } from 'node:fs'
import { heapBreakdown } from '../heap-breakdown.ts'
import type { BenchViewer, SystemName, ViewerOptions } from '../systems/bench-system.ts'
import type { SystemServer } from '../systems/start-system-server.ts'
import type { BenchRow, BenchScenario } from './bench-scenario.ts'
import { openIdleSessions } from './open-idle-sessions.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'
import { withSystemServer } from './with-system-server.ts'

/** Sessions of the breakdown run: a heap snapshot of many more does not fit one JSON string. */
const BREAKDOWN_SESSIONS = 1_000
/** Sessions the breakdown run opens before its first snapshot. */
const BREAKDOWN_WARM_UP_SESSIONS = 50
/** Components under this many bytes per session are summed into one line. */
const SMALL_COMPONENT_BYTES = 256
/** How long the server is left alone once every session is open, before its idle CPU is measured, in ms. */
const CPU_SETTLE_MS = 5_000
/** How long the server's idle CPU is measured, in ms. */
const CPU_WINDOW_MS = 10_000
/** Sessions of the run whose viewers keep Lifeline's default heartbeat. */
const HEARTBEAT_SESSIONS = 1_000
/** The idle CPU is reported per this many viewers. */
const CPU_PER_VIEWERS = 1_000

/** The idle-session memory scenario. */
export const idleSessionRss: BenchScenario = {
  name: 'idle-rss',
  async run({ quick, systems, progress, idleSessions, breakdown }) {
    const sessions = idleSessions ?? (quick ? 100 : 10_000)
    const values: BenchRow['values'] = {}
    const cpu: BenchRow['values'] = {}
    const failures: FailureNotes = {}
    const details: string[] = []
    for (const system of systems) {
      const started = performance.now()
      const idle = await tryMeasure(system, failures, progress, () =>
        withSystemServer(system, (server) => measureIdle(system, server, sessions, { idle: true }, progress)),
      )
      if (idle === undefined) continue
      values[system] = idle.rssKbPerSession
      cpu[system] = idle.cpuPercentPerThousand
      progress(
        `  idle rss ${system}: ${idle.rssKbPerSession.toFixed(1)} KB/session, CPU ${idle.cpuPercentPerThousand.toFixed(1)}% of a core per ${CPU_PER_VIEWERS} viewers (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      )
      if (system === 'lifeline') details.push(await measureHeartbeat(Math.min(sessions, HEARTBEAT_SESSIONS), progress))
      if (breakdown !== true) continue
      const count = Math.min(sessions, BREAKDOWN_SESSIONS)
      const lines = await tryMeasure(system, failures, progress, () =>
        withSystemServer(system, (server) => measureBreakdown(system, server, count, progress)),
      )
      details.push(...(lines ?? []))
    }
    return {
      rows: [
        {
          scenario: `idle sessions (${sessions}, 1 viewer each)`,
          metric: 'server RSS KB/session',
          values,
          notApplicable: failures,
          lowerIsBetter: true,
        },
        {
          scenario: `idle sessions (${sessions}, 1 viewer each)`,
          metric: `server CPU % of a core per ${CPU_PER_VIEWERS} viewers`,
          values: cpu,
          notApplicable: failures,
          lowerIsBetter: true,
        },
      ],
      details,
    }
  },
}

/** Lifeline's idle CPU at `sessions` sessions with its viewers' default heartbeat and without, as a detail line. */
async function measureHeartbeat(sessions: number, progress: (line: string) => void): Promise<string> {
  const cpu: string[] = []
  for (const idle of [false, true]) {
    const failures: FailureNotes = {}
    const cost = await tryMeasure('lifeline', failures, progress, () =>
      withSystemServer('lifeline', (server) => measureIdle('lifeline', server, sessions, { idle }, progress)),
    )
    cpu.push(
      cost === undefined ? `n/a (${failures.lifeline ?? 'failed'})` : `${cost.cpuPercentPerThousand.toFixed(1)}%`,
    )
  }
  return `idle CPU of lifeline at ${sessions} sessions, per ${CPU_PER_VIEWERS} viewers: ${cpu[0]} of a core with the viewers' default heartbeat, ${cpu[1]} without it`
}

/** What a server holds and spends for idle sessions. */
interface IdleCost {
  /** RSS growth per session, in KB. */
  readonly rssKbPerSession: number
  /** Share of one core the server used over CPU_WINDOW_MS, in percent, per CPU_PER_VIEWERS viewers. */
  readonly cpuPercentPerThousand: number
}

async function measureIdle(
  system: SystemName,
  server: SystemServer,
  sessions: number,
  viewer: ViewerOptions,
  progress: (line: string) => void,
): Promise<IdleCost> {
  const empty = await server.rss()
  const viewers = await openIdleSessions(system, server.url, sessions, progress, viewer)
  try {
    const loaded = await server.rss()
    const wait = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        setTimeout(resolve, ms)
      })
    await wait(CPU_SETTLE_MS) // the opening's own work (stores, collections) ends first; a measuring window, no sync
    const cpuBefore = await server.cpuMicros()
    const started = performance.now()
    await wait(CPU_WINDOW_MS)
    const cpuMicros = (await server.cpuMicros()) - cpuBefore
    const wallMicros = (performance.now() - started) * 1000
    return {
      rssKbPerSession: (loaded - empty) / sessions / 1024,
      cpuPercentPerThousand: ((100 * cpuMicros) / wallMicros) * (CPU_PER_VIEWERS / sessions),
    }
  } finally {
    await Promise.all(viewers.map((viewer) => viewer.close()))
  }
}

/** The server's heap by component now; the snapshot file is removed once read. */
async function breakdownOf(server: SystemServer): Promise<Map<string, number>> {
  const path = await server.heapSnapshot()
  try {
    return heapBreakdown(path)
  } finally {
    rmSync(path, { force: true })
  }
}

/** The heap per session by component, as lines of a detail table. */
async function measureBreakdown(
  system: SystemName,
  server: SystemServer,
  sessions: number,
  progress: (line: string) => void,
): Promise<string[]> {
  const viewers: BenchViewer[] = []
  try {
    // Sessions open in both snapshots: code compiled and structures made on first use are not counted per session.
    viewers.push(...(await openIdleSessions(system, server.url, BREAKDOWN_WARM_UP_SESSIONS, progress)))
    const empty = await breakdownOf(server)
    viewers.push(...(await openIdleSessions(system, server.url, sessions, progress)))
    const loaded = await breakdownOf(server)
    const perSession = [...loaded]
      .map(([component, bytes]) => ({ component, bytes: (bytes - (empty.get(component) ?? 0)) / sessions }))
      .sort((a, b) => b.bytes - a.bytes)
    const total = perSession.reduce((sum, { bytes }) => sum + bytes, 0)
    const shown = perSession.filter(({ bytes }) => bytes >= SMALL_COMPONENT_BYTES)
    const rest = total - shown.reduce((sum, { bytes }) => sum + bytes, 0)
    const kb = (bytes: number): string => (bytes / 1024).toFixed(2).padStart(7)
    return [
      '',
      `heap per idle session of ${system} by component (${sessions} sessions, heap snapshots after GC; KB):`,
      ...shown.map(({ component, bytes }) => `${kb(bytes)}  ${component}`),
      `${kb(rest)}  ${perSession.length - shown.length} components under ${SMALL_COMPONENT_BYTES} bytes each`,
      `${kb(total)}  heap in all`,
    ]
  } finally {
    await Promise.all(viewers.map((viewer) => viewer.close()))
  }
}

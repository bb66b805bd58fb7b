/**
 * Scenario `idle-rss`: SESSIONS sessions, each holding a short reply and one idle connected viewer
 * (open-idle-sessions.ts). Reported: the server process's RSS growth (after a full GC, from the empty server to all
 * sessions open) divided by the number of sessions. With `--breakdown`, a second, smaller run per system
 * (BREAKDOWN_SESSIONS) takes heap snapshots of the empty and the loaded server and prints the heap per session by
 * component (heap-breakdown.ts).
 */
import { rmSync } from 'node:fs'
import { heapBreakdown } from '../heap-breakdown.ts'
import type { BenchViewer, SystemName } from '../systems/bench-system.ts'
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

/** The idle-session memory scenario. */
export const idleSessionRss: BenchScenario = {
  name: 'idle-rss',
  async run({ quick, systems, progress, idleSessions, breakdown }) {
    const sessions = idleSessions ?? (quick ? 100 : 10_000)
    const values: BenchRow['values'] = {}
    const failures: FailureNotes = {}
    const details: string[] = []
    for (const system of systems) {
      const started = performance.now()
      const perSession = await tryMeasure(system, failures, progress, () =>
        withSystemServer(system, (server) => measureIdleRss(system, server, sessions, progress)),
      )
      if (perSession === undefined) continue
      values[system] = perSession
      progress(
        `  idle rss ${system}: ${perSession.toFixed(1)} KB/session (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      )
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
      ],
      details,
    }
  },
}

async function measureIdleRss(
  system: SystemName,
  server: SystemServer,
  sessions: number,
  progress: (line: string) => void,
): Promise<number> {
  const empty = await server.rss()
  const viewers = await openIdleSessions(system, server.url, sessions, progress)
  try {
    const loaded = await server.rss()
    return (loaded - empty) / sessions / 1024
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

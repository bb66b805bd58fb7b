/**
 * Run leases: an agent keeps its run alive by refreshing `heartbeatAt` (the agent SDK does every 5 s). When a
 * running run of a loaded session shows no change for `leaseMs`, its agent is presumed gone: the run and its
 * reply are marked `interrupted` (partial text kept) with a durable server change, so every client sees it.
 * Time is measured on the server's clock from when changes arrive, so agent clock skew does not matter; a
 * session loaded after a restart gives its running runs a full lease to reconnect. Quarantined runs and messages
 * (check-entry.ts) are left alone.
 */
import type { Extension } from '@hocuspocus/server'
import type * as Y from 'yjs'
import { isRunEntry } from '../../shared/session/check-entry.ts'
import { findMessage, getSessionRoots, listRuns, setMessageStatus } from '../../shared/session/session-doc.ts'

/** Default silence after which a running run is interrupted, in ms: three missed heartbeats. */
export const DEFAULT_RUN_LEASE_MS = 15_000

/** Options of {@link createRunLease}. */
export interface RunLeaseOptions {
  /** Silence after which a running run is interrupted, in ms (default 15000: three missed heartbeats). */
  readonly leaseMs?: number
  /** How often leases are checked, in ms (default 1000). */
  readonly checkEveryMs?: number
  /** Writes a server change durably (the durable log's applyServerChange). */
  readonly applyServerChange: (document: Y.Doc, sessionId: string, change: (document: Y.Doc) => void) => Promise<void>
  readonly onError: (error: unknown) => void
  /** Clock, for tests (default Date.now). */
  readonly now?: () => number
}

/** The extension plus its timer's off switch. */
export interface RunLease {
  readonly extension: Extension
  stop(): void
}

interface Watched {
  readonly document: Y.Doc
  readonly lastSeen: Map<string, number>
  /** The deep observer of the document's `runs`. */
  readonly observer: (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => void
}

function unobserve({ document, observer }: Watched): void {
  getSessionRoots(document).runs.unobserveDeep(observer)
}

/** Creates the run-lease extension and starts its check timer. */
export function createRunLease(options: RunLeaseOptions): RunLease {
  const leaseMs = options.leaseMs ?? DEFAULT_RUN_LEASE_MS
  const now = options.now ?? Date.now
  const watched = new Map<string, Watched>()

  const check = (): void => {
    const time = now()
    for (const [sessionId, { document, lastSeen }] of watched) {
      const expired: string[] = []
      for (const [runId, run] of listRuns(document)) {
        if (run.get('state') === 'running' && time - (lastSeen.get(runId) ?? time) >= leaseMs) expired.push(runId)
      }
      if (expired.length === 0) continue
      options
        .applyServerChange(document, sessionId, (scratch) => {
          const scratchRuns = getSessionRoots(scratch).runs
          for (const runId of expired) {
            const run: unknown = scratchRuns.get(runId)
            if (!isRunEntry(run) || run.get('state') !== 'running') continue
            run.set('state', 'interrupted')
            run.set('endedAt', time)
            const message = findMessage(scratch, String(run.get('messageId')))
            if (message?.get('status') === 'streaming') setMessageStatus(message, 'interrupted')
          }
        })
        .catch(options.onError)
    }
  }
  const timer = setInterval(check, options.checkEveryMs ?? 1_000)
  timer.unref()

  const extension: Extension = {
    extensionName: 'lifeline-run-lease',
    async afterLoadDocument({ document, documentName }: { document: Y.Doc; documentName: string }) {
      const { runs } = getSessionRoots(document)
      const lastSeen = new Map<string, number>()
      for (const runId of runs.keys()) lastSeen.set(runId, now())
      const observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
        for (const event of events) {
          // A change to the runs map itself names the run key; a change inside a run map is under its key.
          const runId = event.target === runs ? undefined : event.path[0]
          if (typeof runId === 'string') lastSeen.set(runId, now())
          else for (const key of (event as Y.YMapEvent<unknown>).keysChanged ?? []) lastSeen.set(key, now())
        }
      }
      runs.observeDeep(observer)
      watched.set(documentName, { document, lastSeen, observer })
    },
    async afterUnloadDocument({ documentName }: { documentName: string }) {
      const found = watched.get(documentName)
      if (found !== undefined) unobserve(found)
      watched.delete(documentName)
    },
  }

  return {
    extension,
    stop() {
      clearInterval(timer)
      for (const found of watched.values()) unobserve(found)
      watched.clear()
    },
  }
}

/**
 * interceptAppends: an UpdateLog that runs `before` ahead of every append of `log` (and forwards everything else),
 * so a test can hold an append back or make it fail the way a full disk or a lost database would.
 */
import type { UpdateLog, WriteOrigin } from '../../server/persistence/update-log.ts'

/** Runs before an append; its rejection fails the append without storing anything. */
export type BeforeAppend = (
  sessionId: string,
  updates: readonly Uint8Array[],
  origin: WriteOrigin | undefined,
) => Promise<void>

/** `log` with `before` awaited ahead of each append. */
export function interceptAppends(log: UpdateLog, before: BeforeAppend): UpdateLog {
  return {
    createSession: (record) => log.createSession(record),
    getSession: (id) => log.getSession(id),
    setSessionTitle: (id, title) => log.setSessionTitle(id, title),
    listSessions: (options) => log.listSessions(options),
    listIdleSessions: (options) => log.listIdleSessions(options),
    load: (id) => log.load(id),
    readSince: (id, after) => log.readSince(id, after),
    replacePrefix: (id, snapshot, upto) => log.replacePrefix(id, snapshot, upto),
    deleteSession: (id) => log.deleteSession(id),
    readAudit: (id, options) => log.readAudit(id, options),
    close: () => log.close(),
    async append(sessionId, updates, origin) {
      await before(sessionId, updates, origin)
      return await log.append(sessionId, updates, origin)
    },
  }
}

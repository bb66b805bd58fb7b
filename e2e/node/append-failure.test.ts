/**
 * A failed append (full disk, lost database) must not strand the client: the server refuses the update with the
 * retryable PERSISTENCE_FAILED and closes the socket, the client reconnects, resends by state vector, and its change
 * is stored exactly once once the store works again.
 *
 * Flow: the first client append fails; the client reports PERSISTENCE_FAILED, reconnects on its own, and
 * `waitUntilDurable` resolves; the stored session holds the message once.
 * What this catches: a refusal that ends only Hocuspocus' document connection, leaving an open socket that never
 * resyncs (the client then shows `synced` and its change is never stored).
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { readMessages } from '../../shared/session/session-doc.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { interceptAppends } from '../testing/intercept-appends.ts'
import { STORE_KINDS } from '../testing/test-store.ts'

describe.each(STORE_KINDS)('a failed append on %s', (kind) => {
  const test = testWithStore(kind)

  test('makes the client reconnect and store its change once', async ({
    store,
    startServer,
    sessionId,
    connectClient,
  }) => {
    let failures = 0
    const log = interceptAppends(await store.open(), async (_sessionId, _updates, origin) => {
      if (origin?.principal === 'server' || failures > 0) return
      failures++
      throw new Error('disk full')
    })
    const server = await startServer({ updateLog: log, onError: () => {} })
    const client = connectClient({ url: server.websocketUrl })
    const errors: string[] = []
    client.on('error', (error: SessionError) => {
      errors.push(error.code)
    })
    await client.waitForSynced()
    client.sendMessage('kept despite a failed append')
    await client.waitUntilDurable(15_000)
    expect(failures).toBe(1)
    expect(errors).toEqual(['PERSISTENCE_FAILED'])

    const stored = new Y.Doc()
    applyStoredSession(sessionId, await server.updateLog.load(sessionId), stored)
    expect(readMessages(stored).map((message) => message.text)).toEqual(['kept despite a failed append'])
  })
})

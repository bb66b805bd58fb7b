/**
 * `disconnect()` followed by `connect()` before the socket's close handshake has finished: the client must come back
 * (offline, then synced again, and a message written in between reaches the server), against a real server over real
 * WebSockets.
 */
import { describe, expect } from 'vitest'
import { readTranscript } from '../../shared/session/session-doc.ts'
import type { ConnectionStatus } from '../../client/core/connection-status.ts'
import { test } from '../testing/fixtures.ts'

describe.each([
  { name: 'a plain WebSocket', transport: false as const },
  { name: 'transport selection', transport: {} },
])('connect while the close is in flight, with $name', ({ transport }) => {
  test('a connect() right after disconnect() reconnects and delivers what was written meanwhile', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const client = connectClient({ transport, reconnectDelayMs: 50 })
    await client.waitForSynced()
    const statuses: ConnectionStatus[] = []
    client.on('status', (status) => {
      statuses.push(status)
    })
    client.disconnect()
    const id = client.sendMessage('written while the socket closes')
    client.connect()
    await expect.poll(() => statuses.at(-1), { timeout: 5_000 }).toBe('synced')
    expect(statuses).toContain('offline')
    await client.waitUntilDurable(5_000)
    const live = server.hocuspocus.documents.get(sessionId)
    expect(live === undefined ? [] : readTranscript(sessionId, live).messages.map((message) => message.id)).toEqual([
      id,
    ])
  })
})

/**
 * bindStatus: the connection badge — the client's status, "saving…" while changes await the server's
 * acknowledgement, and the transport when it is a fallback.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'

/** Renders the status badge now and on every status, unsynced or transport change. */
export function bindStatus(client: SessionClient): void {
  const badge = byTestId('status-badge')
  const render = (): void => {
    badge.dataset.status = client.status
    badge.dataset.transport = client.transport ?? ''
    const state = client.unsyncedChanges > 0 && client.status === 'synced' ? 'saving…' : client.status
    // The WebSocket is the normal case; a fallback is worth showing (PROTOCOL.md §7).
    badge.textContent =
      client.transport === undefined || client.transport === 'websocket' ? state : `${state} · ${client.transport}`
    badge.title = `transport: ${client.transport ?? 'choosing'}`
  }
  client.on('status', render)
  client.on('unsynced', render)
  client.on('transport', render)
  render()
}

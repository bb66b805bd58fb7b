/**
 * bindStatus: the connection badge — the client's status, "saving…" while changes await the server's
 * acknowledgement, the transport when it is a fallback, and, with no connection, what will happen to what the person
 * wrote: "offline: 3 messages will be sent when you are back" (docs/offline.md § Reading and writing offline).
 * `data-network` is `offline` from the moment the connection is lost (or the browser reports no network) until the
 * client is synced again; `data-pending` counts the entries not sent yet.
 */
import type { PendingEntry, SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { describePending } from './describe-pending.ts'

/** Renders the status badge now and on every status, unsynced, pending, transport or network change. */
export function bindStatus(client: SessionClient): void {
  const badge = byTestId('status-badge')
  let pending: readonly PendingEntry[] = client.pendingEntries()
  /** True once the connection was lost (or never made) until the next sync. */
  let lost = false
  const render = (): void => {
    if (client.status === 'offline' || client.status === 'failed') lost = true
    if (client.status === 'synced') lost = false
    const offline = lost || (!navigator.onLine && client.status !== 'synced')
    badge.dataset.status = client.status
    badge.dataset.transport = client.transport ?? ''
    badge.dataset.network = offline ? 'offline' : 'online'
    badge.dataset.pending = String(pending.length)
    const waiting = describePending(pending)
    let state: string = client.status
    if (offline) state = waiting === '' ? 'offline' : `offline: ${waiting} will be sent when you are back`
    else if (client.status === 'synced' && client.unsyncedChanges > 0) state = 'saving…'
    // The WebSocket is the normal case; a fallback is worth showing (PROTOCOL.md §7).
    badge.textContent =
      client.transport === undefined || client.transport === 'websocket' || offline
        ? state
        : `${state} · ${client.transport}`
    badge.title = `transport: ${client.transport ?? 'choosing'}`
  }
  client.on('status', render)
  client.on('unsynced', render)
  client.on('transport', render)
  client.on('pending', (entries) => {
    pending = entries
    render()
  })
  globalThis.addEventListener('online', render)
  globalThis.addEventListener('offline', render)
  render()
}

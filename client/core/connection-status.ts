/**
 * The connection status of a session client and the table of legal moves between statuses. An illegal move
 * is a bug in the client and throws (CONTRIBUTING.md § Errors).
 */

/**
 * Where a session client stands with the server. `failed`: the server refused the connection with an error that
 * retrying cannot fix (e.g. UNAUTHORIZED); the client stopped reconnecting.
 */
export type ConnectionStatus = 'connecting' | 'syncing' | 'synced' | 'offline' | 'failed' | 'closed'

/** Legal next statuses for each status. */
export const STATUS_TRANSITIONS: Readonly<Record<ConnectionStatus, readonly ConnectionStatus[]>> = {
  connecting: ['syncing', 'offline', 'failed', 'closed'],
  syncing: ['synced', 'offline', 'failed', 'closed'],
  synced: ['syncing', 'offline', 'failed', 'closed'],
  offline: ['connecting', 'syncing', 'failed', 'closed'],
  failed: ['closed'],
  closed: [],
}

/**
 * Returns `next` when moving from `current` to it is legal (staying put is always legal).
 * @throws Error on an illegal transition
 */
export function transitionStatus(current: ConnectionStatus, next: ConnectionStatus): ConnectionStatus {
  if (current === next || STATUS_TRANSITIONS[current].includes(next)) return next
  throw new Error(`invariant violated: illegal connection status transition ${current} → ${next}`)
}

/**
 * The connection status of a session client and the table of legal moves between statuses. An illegal move
 * is a bug in the client and throws (CONVENTIONS §4.7).
 */

/** Where a session client stands with the server. */
export type ConnectionStatus = 'connecting' | 'syncing' | 'synced' | 'offline' | 'closed'

/** Legal next statuses for each status. */
export const STATUS_TRANSITIONS: Readonly<Record<ConnectionStatus, readonly ConnectionStatus[]>> = {
  connecting: ['syncing', 'offline', 'closed'],
  syncing: ['synced', 'offline', 'closed'],
  synced: ['syncing', 'offline', 'closed'],
  offline: ['connecting', 'syncing', 'closed'],
  closed: [],
}

/**
 * Returns `next` when moving from `current` to it is legal (staying put is always legal).
 * @throws Error on an illegal transition
 */
export function transitionStatus (current: ConnectionStatus, next: ConnectionStatus): ConnectionStatus {
  if (current === next || STATUS_TRANSITIONS[current].includes(next)) return next
  throw new Error(`invariant violated: illegal connection status transition ${current} → ${next}`)
}

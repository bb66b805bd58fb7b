/**
 * useConnectionStatus: where the client stands with the server, and how many of its updates await acknowledgement.
 */
import type { ConnectionStatus } from '../core/connection-status.ts'
import type { SessionClient } from '../core/session-client.ts'
import { useClientValue } from './use-client-value.ts'

/** A client's connection, as a view shows it. */
export interface ConnectionState {
  readonly status: ConnectionStatus
  /** Update frames awaiting the server's acknowledgement (0: everything written is stored). */
  readonly unsyncedChanges: number
}

const NOT_OPEN: ConnectionState = Object.freeze({ status: 'connecting', unsyncedChanges: 0 })

/** The client's status and unacknowledged changes; `connecting` without a client (SSR, before mount). */
export function useConnectionStatus(client: SessionClient | undefined): ConnectionState {
  return useClientValue(
    client,
    ['status', 'unsynced'],
    (current) => ({ status: current.status, unsyncedChanges: current.unsyncedChanges }),
    NOT_OPEN,
  )
}

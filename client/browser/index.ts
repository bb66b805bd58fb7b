/**
 * Public "./browser" entry (browsers): the session client with an IndexedDB offline copy, and a store for UI
 * frameworks.
 */
export { createBrowserSessionClient, offlineDatabaseName } from './browser-session-client.ts'
export type { BrowserSessionClient, BrowserSessionClientOptions } from './browser-session-client.ts'
export { createSessionStore } from '../core/session-store.ts'
export type { SessionStore, SessionSnapshot } from '../core/session-store.ts'
export type {
  SessionClient,
  SessionClientEvents,
  PersonPresence,
  PresenceMember,
  RefusedWrite,
  TokenProvider,
} from '../core/session-client.ts'
export type { PersonView } from '../../shared/session/session-schema.ts'
export { personInitials } from '../../shared/session/display-name.ts'
export { MAX_DISPLAY_NAME_CHARS } from '../../shared/session/session-schema.ts'
export type { ConnectionStatus } from '../core/connection-status.ts'
export type { WriteLimits } from '../../shared/limits/session-limits.ts'
export { serverStateStorageKey } from './local-server-state.ts'
export { forgetDeletedSession, wasSessionDeletedHere } from './deleted-sessions.ts'
export type { PendingEntry, ServerStateStore } from '../core/delivery-tracker.ts'

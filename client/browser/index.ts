/**
 * Public "./client" entry (browsers): the session client with an IndexedDB offline copy, and a store for UI
 * frameworks.
 */
export { createBrowserSessionClient, offlineDatabaseName } from './browser-session-client.ts'
export type { BrowserSessionClient, BrowserSessionClientOptions } from './browser-session-client.ts'
export { createSessionStore } from '../core/session-store.ts'
export type { SessionStore, SessionSnapshot } from '../core/session-store.ts'
export type { SessionClient, SessionClientEvents, PresenceMember, TokenProvider } from '../core/session-client.ts'
export type { ConnectionStatus } from '../core/connection-status.ts'
export type { WriteLimits } from '../../shared/limits/session-limits.ts'

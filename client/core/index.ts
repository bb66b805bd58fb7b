/**
 * Public "./core" entry: the session client that runs anywhere (browsers, Node 22+, workers, React Native), with no
 * Node built-ins and no offline copy. Node 20 passes `NodeWebSocket` from "./agent" (or `ws`) as `WebSocket`.
 */
export { createSessionClient, DEFAULT_WAIT_TIMEOUT_MS } from './session-client.ts'
export type {
  SessionClient,
  SessionClientOptions,
  SessionClientEvents,
  TokenProvider,
  WebSocketConstructor,
  PersonPresence,
  PresenceMember,
  PresenceRole,
  RefusedWrite,
  RefusedWriteStore,
} from './session-client.ts'
export { createSessionStore } from './session-store.ts'
export type { SessionStore, SessionSnapshot } from './session-store.ts'
export type { ConnectionStatus } from './connection-status.ts'
export type { WriteLimits } from '../../shared/limits/session-limits.ts'
export type { MessageView, PartView, PersonView, SteerKind } from '../../shared/session/session-schema.ts'
export { personInitials } from '../../shared/session/display-name.ts'
export { SessionError, isSessionError } from '../../shared/errors/session-error.ts'
export type { ErrorCode } from '../../shared/errors/error-codes.ts'

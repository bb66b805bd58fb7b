/**
 * Public "./react" entry: React hooks over a session client, on `useSyncExternalStore`. They open no connection
 * during server rendering and survive StrictMode double mounts without leaking one. Requires `react` 19.
 */
export { useSession } from './use-session.ts'
export type { UseSessionOptions } from './use-session.ts'
export { useMessages } from './use-messages.ts'
export { useConnectionStatus } from './use-connection-status.ts'
export type { ConnectionState } from './use-connection-status.ts'
export { usePresence } from './use-presence.ts'
export { useSteer } from './use-steer.ts'
export type { SteerActions } from './use-steer.ts'

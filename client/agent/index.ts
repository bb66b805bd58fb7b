/**
 * Public "./agent" entry (Node): attach agents to sessions and stream replies.
 */
export { createAgentSession } from './agent-session.ts'
export type { AgentSession, AgentSessionOptions, UserMessageHandler } from './agent-session.ts'
export type { ReplyWriter, ReplyWriterOptions, ReplyEnd } from './reply-writer.ts'
export type { SteerHandler } from './steer-dispatcher.ts'
export { USER_LEFT_GRACE_MS } from './user-presence.ts'
export type { UserPresenceEvent, UserPresenceHandler } from './user-presence.ts'
export { createSessionClient, DEFAULT_WAIT_TIMEOUT_MS } from '../core/session-client.ts'
export type { SessionClient, SessionClientOptions, SessionClientEvents, WebSocketConstructor, PresenceMember, PresenceRole } from '../core/session-client.ts'
export type { ConnectionStatus } from '../core/connection-status.ts'
export { NodeWebSocket } from './node-websocket.ts'

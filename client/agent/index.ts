/**
 * Public "./agent" entry (Node): attach agents to sessions and stream replies.
 */
export { createAgentSession } from './agent-session.ts'
export type { AgentSession, AgentSessionOptions, UserMessageHandler } from './agent-session.ts'
export type { TokenProvider } from '../core/session-client.ts'
export type { ReplyWriter, ReplyWriterOptions, ReplyEnd } from './reply-writer.ts'
export type { ReplyPart } from './reply-part.ts'
export { fromAiSdkStream } from './adapters/from-ai-sdk-stream.ts'
export type { AiSdkStreamPart } from './adapters/from-ai-sdk-stream.ts'
export { fromAiSdkUiMessageStream } from './adapters/from-ai-sdk-ui-message-stream.ts'
export type { AiSdkUiMessageChunk } from './adapters/from-ai-sdk-ui-message-stream.ts'
export { fromOpenAiChatStream } from './adapters/from-openai-chat-stream.ts'
export type { OpenAiChatChunk, OpenAiChatDelta } from './adapters/from-openai-chat-stream.ts'
export { fromOpenAiResponsesStream } from './adapters/from-openai-responses-stream.ts'
export type { OpenAiResponsesEvent } from './adapters/from-openai-responses-stream.ts'
export { fromPromptApiStream } from './adapters/from-prompt-api-stream.ts'
export type { PromptApiChunking, PromptApiStream } from './adapters/from-prompt-api-stream.ts'
export type { SteerHandler } from './steer-dispatcher.ts'
export {
  DEFAULT_PRESENCE_HEARTBEAT_MS,
  DEFAULT_PRESENCE_TIMEOUT_MS,
  DEFAULT_USER_LEFT_GRACE_MS,
} from '../../shared/presence/presence-timing.ts'
export type { UserPresenceEvent, UserPresenceHandler } from './user-presence.ts'
export { createSessionClient, DEFAULT_WAIT_TIMEOUT_MS } from '../core/session-client.ts'
export type {
  SessionClient,
  SessionClientOptions,
  SessionClientEvents,
  WebSocketConstructor,
  PresenceMember,
  PresenceRole,
  PersonPresence,
} from '../core/session-client.ts'
export type { PersonView } from '../../shared/session/session-schema.ts'
export type { ConnectionStatus } from '../core/connection-status.ts'
export type { WriteLimits } from '../../shared/limits/session-limits.ts'
export { NodeWebSocket } from './node-websocket.ts'

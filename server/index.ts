/**
 * Public "./server" entry.
 */
export { createSessionServer, DEFAULT_MAX_FRAME_BYTES } from './session-server.ts'
export type { SessionServer, SessionServerOptions, SessionServerAuthOptions } from './session-server.ts'
export { DEFAULT_REDIS_PREFIX } from './scale/redis-scale-out.ts'
export type { RedisScaleOutOptions } from './scale/redis-scale-out.ts'
export { signToken, createTokenClaims, DEFAULT_TOKEN_TTL_SECONDS } from './auth/sign-token.ts'
export { verifyToken } from './auth/verify-token.ts'
export type { VerifyTokenOptions } from './auth/verify-token.ts'
export { MIN_AUTH_SECRET_BYTES } from './auth/auth-secret.ts'
export type { AuthSecret } from './auth/auth-secret.ts'
export type { SecurityEvent, SecurityEventKind, SecurityEventListener } from './auth/security-event.ts'
export type { SessionAction } from './auth/authorize-session-action.ts'
export type { MessagePolicy, MessagePolicyInput } from './policy/message-policy.ts'
export { redactContactDetails } from './policy/redact-contact-details.ts'
export {
  DEFAULT_POLICY_TIMEOUT_MS,
  POLICY_CONTEXT_CHARS,
  POLICY_HOLD_BACK_CHARS,
} from '../shared/policy/message-policy.ts'
export type { PolicyAction, PolicyDecision, PolicySpan } from '../shared/policy/message-policy.ts'
export { DEFAULT_SESSION_LIMITS } from '../shared/limits/session-limits.ts'
export type { SessionLimits } from '../shared/limits/session-limits.ts'
export { openUpdateLog, describeStore } from './persistence/open-update-log.ts'
export { DEFAULT_STORE } from './persistence/parse-store-url.ts'
export { createSqliteUpdateLog } from './persistence/sqlite-update-log.ts'
export type { SqliteUpdateLogOptions } from './persistence/sqlite-update-log.ts'
export { createPostgresUpdateLog } from './persistence/postgres-update-log.ts'
export type { PostgresUpdateLogOptions } from './persistence/postgres-update-log.ts'
export { createMemoryUpdateLog } from './persistence/memory-update-log.ts'
export { compactSession } from './persistence/compact-session.ts'
export type { CompactionResult } from './persistence/compact-session.ts'
export type { UpdateLog, LogEntry, StoredSession, SessionRecord } from './persistence/update-log.ts'
export { SERVER_WRITE_ORIGIN, MAX_AUDIT_PAGE } from './persistence/update-log.ts'
export type { AuditEntry, WriteOrigin, UpdateSummary } from './persistence/update-log.ts'
export type { AuditPage } from './http/audit-api.ts'
export { openStreamStore } from './durable-streams/open-stream-store.ts'
export { createSqliteStreamStore } from './durable-streams/sqlite-stream-store.ts'
export type { SqliteStreamStoreOptions } from './durable-streams/sqlite-stream-store.ts'
export { createPostgresStreamStore } from './durable-streams/postgres-stream-store.ts'
export type { PostgresStreamStoreOptions } from './durable-streams/postgres-stream-store.ts'
export { createMemoryStreamStore } from './durable-streams/memory-stream-store.ts'
export type {
  StreamStore,
  StreamMeta,
  StreamMessage,
  ProducerState,
  ForkOrigin,
} from './durable-streams/stream-store.ts'
export type { SessionStreamsOptions } from './session-streams/session-streams.ts'
export type { SessionRetentionOptions, SessionArchiveTarget } from './retention/session-retention-options.ts'
export type { RetentionSweepReport } from './retention/retention-sweeper.ts'
export { MAX_RETENTION_SECONDS } from '../shared/session/retention-periods.ts'
export type { RetentionPeriods } from '../shared/session/retention-periods.ts'

/**
 * Public "./server" entry.
 */
export { createSessionServer, DEFAULT_MAX_FRAME_BYTES } from './session-server.ts'
export type { SessionServer, SessionServerOptions } from './session-server.ts'
export { openUpdateLog, describeStore, DEFAULT_STORE } from './persistence/open-update-log.ts'
export { createSqliteUpdateLog } from './persistence/sqlite-update-log.ts'
export type { SqliteUpdateLogOptions } from './persistence/sqlite-update-log.ts'
export { createPostgresUpdateLog } from './persistence/postgres-update-log.ts'
export type { PostgresUpdateLogOptions } from './persistence/postgres-update-log.ts'
export { createMemoryUpdateLog } from './persistence/memory-update-log.ts'
export { compactSession } from './persistence/compact-session.ts'
export type { CompactionResult } from './persistence/compact-session.ts'
export type { UpdateLog, LogEntry, StoredSession, SessionRecord } from './persistence/update-log.ts'

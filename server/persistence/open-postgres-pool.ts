/**
 * openPostgresPool: the connection pool and table naming shared by the PostgreSQL stores (update log, streams):
 * a validated schema name, a pool whose idle-client errors surface on the next query, and `table(name)` giving the
 * schema-qualified name.
 */
import pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'

/** Where a PostgreSQL store lives. */
export interface PostgresLocation {
  readonly connectionString: string
  /** Schema holding the tables (default `public`); created if missing. */
  readonly schema?: string
  /** Pool size. */
  readonly maxConnections?: number
}

/** An open pool plus the schema it writes to. */
export interface PostgresPool {
  readonly pool: pg.Pool
  readonly schema: string
  /** `"schema".name` */
  table(name: string): string
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Opens a pool for `location` (`defaultMaxConnections` unless it names a size).
 * @throws SessionError BAD_REQUEST for a schema name that is not a plain lower-case identifier
 */
export function openPostgresPool(location: PostgresLocation, defaultMaxConnections: number): PostgresPool {
  const schema = location.schema ?? 'public'
  if (!SCHEMA_PATTERN.test(schema))
    throw new SessionError('BAD_REQUEST', `invalid PostgreSQL schema name ${schema}`, { details: { schema } })
  const pool = new pg.Pool({
    connectionString: location.connectionString,
    max: location.maxConnections ?? defaultMaxConnections,
  })
  pool.on('error', () => undefined) // reason: idle-client errors surface on the next query, as PERSISTENCE_FAILED
  return { pool, schema, table: (name) => `"${schema}".${name}` }
}

/**
 * Schema creation shared by the PostgreSQL stores. Nodes started together on one database would race on
 * `CREATE … IF NOT EXISTS` (PostgreSQL checks its catalog before it locks, so the loser fails with a duplicate key);
 * one advisory lock per schema makes them create one after another, and every later node finds the tables there.
 */
import type pg from 'pg'
import { inTransaction } from './in-transaction.ts'

/** Creates `schema` when missing and runs `create` in the same transaction, holding the schema's migration lock. */
export function migratePostgresSchema(
  pool: pg.Pool,
  schema: string,
  create: (client: pg.PoolClient) => Promise<void>,
): Promise<void> {
  return inTransaction(pool, 'BEGIN', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lifeline-migrate-${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await create(client)
  })
}

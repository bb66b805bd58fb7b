/**
 * One PostgreSQL transaction on one pooled client, shared by the PostgreSQL stores.
 */
import type pg from 'pg'

/** Runs `work` inside one transaction on one pooled client, opened with `begin`; rolls back when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  begin: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query(begin)
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined) // reason: the connection may be gone; the original error is what matters
    throw error
  } finally {
    client.release()
  }
}

/**
 * PostgreSQL StreamStore: the shared contract against the real server on 127.0.0.1:5432 (LIFELINE_TEST_POSTGRES
 * overrides the URL), one fresh schema per store.
 */
import pg from 'pg'
import { afterAll } from 'vitest'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createPostgresStreamStore } from './postgres-stream-store.ts'
import { describeStreamStoreContract } from './stream-store.contract.ts'

const connectionString = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const schemas: string[] = []

afterAll(async () => {
  const client = new pg.Client({ connectionString })
  await client.connect()
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

describeStreamStoreContract('postgres', async () => {
  const schema = `lifeline_streams_${createRandomId(10).toLowerCase()}`
  schemas.push(schema)
  return await createPostgresStreamStore({ connectionString, schema })
})

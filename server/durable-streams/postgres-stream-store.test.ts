/**
 * PostgreSQL StreamStore: the shared contract against the real server on 127.0.0.1:5432 (LIFELINE_TEST_POSTGRES
 * overrides the URL), one fresh schema per store; nodes sharing a schema hear each other's commits and deletions.
 */
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createPostgresStreamStore } from './postgres-stream-store.ts'
import type { StreamMeta } from './stream-store.ts'
import { describeStreamStoreContract } from './stream-store.contract.ts'

const connectionString = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const schemas: string[] = []

/** The record of an empty stream at `path`. */
function emptyStream(path: string): StreamMeta {
  return {
    path,
    contentType: 'application/json',
    closed: false,
    createdAtMs: 1,
    touchedAtMs: 1,
    messageCount: 0,
    byteCount: 0,
    producers: {},
  }
}

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

describe('PostgreSQL StreamStore: nodes starting together', () => {
  it('creates the tables once when several nodes open a fresh schema at the same time', async () => {
    const schema = `lifeline_streams_${createRandomId(10).toLowerCase()}`
    schemas.push(schema)
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => createPostgresStreamStore({ connectionString, schema })),
    )
    try {
      for (const store of stores) expect(await store.get('a')).toBeUndefined()
    } finally {
      await Promise.all(stores.map((store) => store.close()))
    }
  })
})

describe('PostgreSQL StreamStore: nodes sharing a schema', () => {
  it("hear each other's commits and deletions", async () => {
    const schema = `lifeline_streams_${createRandomId(10).toLowerCase()}`
    schemas.push(schema)
    const writer = await createPostgresStreamStore({ connectionString, schema })
    const reader = await createPostgresStreamStore({ connectionString, schema })
    const heard: string[] = []
    const unwatch = reader.watch?.((path) => {
      heard.push(path)
    })
    try {
      await writer.change('a', () => ({ meta: emptyStream('a'), messages: [] }))
      await expect.poll(() => heard).toEqual(['a'])
      expect(await writer.delete('a')).toBe(true)
      await expect.poll(() => heard).toEqual(['a', 'a'])
      // Deleting what is not there commits nothing to hear of.
      expect(await writer.delete('a')).toBe(false)
      await writer.change('b', () => ({ meta: emptyStream('b'), messages: [] }))
      await expect.poll(() => heard).toEqual(['a', 'a', 'b'])
    } finally {
      unwatch?.()
      await Promise.all([writer.close(), reader.close()])
    }
  })
})

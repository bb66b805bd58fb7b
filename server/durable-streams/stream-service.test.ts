/**
 * Two nodes' stream services over one PostgreSQL schema (the real server on 127.0.0.1:5432): appends to one generic
 * stream from both at once all land, each once, each node's in its own order; an idempotent producer's retry sent to
 * the other node is answered as a duplicate and stored once; a reader waiting on one node wakes for an append on
 * the other (the test's timeout is far shorter than the wait's). On one node: a read that only renews a TTL does
 * not wake waiting readers, which would otherwise renew in turn and wake each other in a loop.
 */
import pg from 'pg'
import { afterAll, describe, expect, test } from 'vitest'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createMemoryStreamStore } from './memory-stream-store.ts'
import { createPostgresStreamStore } from './postgres-stream-store.ts'
import { createStreamService, type StreamService } from './stream-service.ts'
import type { StreamStore } from './stream-store.ts'

const connectionString = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const schema = `lifeline_streams_${createRandomId(10).toLowerCase()}`
const stores: StreamStore[] = []

afterAll(async () => {
  for (const store of stores) await store.close()
  const client = new pg.Client({ connectionString })
  await client.connect()
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

async function startNode(): Promise<StreamService> {
  const store = await createPostgresStreamStore({ connectionString, schema })
  stores.push(store)
  return createStreamService({ store })
}

async function readAll(service: StreamService, path: string): Promise<string[]> {
  const { messages } = await service.read(path, { kind: 'position', position: { messages: 0, bytes: 0 } })
  return messages.map((message) => new TextDecoder().decode(message.data))
}

describe('stream service on two nodes sharing PostgreSQL', () => {
  test('concurrent appends from both nodes all land once, each node in its own order', async () => {
    const [a, b] = [await startNode(), await startNode()]
    const path = '/v1/stream/shared-appends'
    await a.create(path, { contentType: 'application/json', closed: false, body: new Uint8Array() })
    const appendFrom = async (node: StreamService, name: string): Promise<void> => {
      for (let index = 0; index < 40; index++) {
        await node.append(path, {
          contentType: 'application/json',
          body: bytes(JSON.stringify(`${name}${index}`)),
          close: false,
        })
      }
    }
    await Promise.all([appendFrom(a, 'a'), appendFrom(b, 'b'), appendFrom(a, 'c'), appendFrom(b, 'd')])
    const stored = (await readAll(b, path)).map((json) => JSON.parse(json) as string)
    expect(stored).toHaveLength(160)
    expect(new Set(stored).size).toBe(160)
    for (const name of ['a', 'b', 'c', 'd']) {
      expect(stored.filter((entry) => entry.startsWith(name))).toEqual(
        Array.from({ length: 40 }, (_, index) => `${name}${index}`),
      )
    }
    expect((await a.head(path)).messageCount).toBe(160)
  })

  test('a producer batch retried on the other node is a duplicate, stored once', async () => {
    const [a, b] = [await startNode(), await startNode()]
    const path = '/v1/stream/shared-producer'
    await a.create(path, { contentType: 'text/plain', closed: false, body: new Uint8Array() })
    const batch = (seq: number) => ({
      contentType: 'text/plain',
      body: bytes(`batch ${seq}`),
      close: false,
      producer: { id: 'py-agent', epoch: 0, seq },
    })
    // Each node runs its own two in order; whichever node commits a batch second finds it stored by the other.
    await Promise.all([
      a.append(path, batch(0)),
      b.append(path, batch(0)),
      a.append(path, batch(1)),
      b.append(path, batch(1)),
    ])
    const results = await Promise.all([a.append(path, batch(1)), b.append(path, batch(1))])
    expect(results.map((result) => result.producer?.duplicate)).toEqual([true, true])
    expect(await readAll(a, path)).toEqual(['batch 0', 'batch 1'])
  })

  test('a reader waiting on node B wakes when node A appends', async () => {
    const [a, b] = [await startNode(), await startNode()]
    const path = '/v1/stream/shared-wake'
    await a.create(path, { contentType: 'text/plain', closed: false, body: new Uint8Array() })
    const waiting = b.waitForData(path, 0, 600_000)
    await a.append(path, { contentType: 'text/plain', body: bytes('hello'), close: false })
    await waiting
    expect(await readAll(b, path)).toEqual(['hello'])
  }, 10_000)
})

describe('stream service waiting readers', () => {
  test('are not woken by a read that renews the TTL, only by data', async () => {
    const store = createMemoryStreamStore()
    const commit = store.change.bind(store)
    let commits = 0
    store.change = async (path, decide) => {
      commits++
      return await commit(path, decide)
    }
    const service = createStreamService({ store })
    await service.create('ttl', { contentType: 'text/plain', closed: false, body: new Uint8Array(), ttlSeconds: 60 })
    let woken = false
    const waiting = service.waitForData('ttl', 0, 600_000).then(() => {
      woken = true
    })
    const before = commits
    await service.read('ttl', { kind: 'position', position: { messages: 0, bytes: 0 } }) // renews the TTL: a commit
    await service.head('ttl')
    expect(commits).toBe(before + 1)
    expect(woken).toBe(false)
    await service.append('ttl', { contentType: 'text/plain', body: bytes('data'), close: false })
    await waiting
    expect(woken).toBe(true)
    expect(commits).toBe(before + 2)
  }, 10_000)
})

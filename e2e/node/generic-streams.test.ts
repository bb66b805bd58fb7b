/**
 * Generic Durable Streams on the session server beyond what the conformance suite checks (PROTOCOL.md §9):
 * streams survive a restart on the same SQLite file with the same offsets, an oversized append is answered
 * 413 after its body is drained (not with a reset connection), and an overlong path is refused.
 */
import { join, dirname } from 'node:path'
import { expect } from 'vitest'
import { createSqliteStreamStore } from '../../server/durable-streams/sqlite-stream-store.ts'
import { MAX_STREAM_PATH_BYTES, STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { testWithStore } from '../testing/fixtures.ts'

const test = testWithStore('sqlite')

test('keeps a stream, its offsets and its producer state across a restart', async ({ startServer, store }) => {
  const streams = () => ({
    streams: { store: createSqliteStreamStore({ path: join(dirname(store.location), 'streams.sqlite') }) },
  })
  let server = await startServer(streams())
  const url = (): string => `${server.url}/v1/stream/notes/today`
  expect((await fetch(url(), { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'a' })).status).toBe(201)
  const producer = {
    'content-type': 'text/plain',
    [STREAM_HEADERS.PRODUCER_ID]: 'w',
    [STREAM_HEADERS.PRODUCER_EPOCH]: '0',
    [STREAM_HEADERS.PRODUCER_SEQ]: '0',
  }
  const appended = await fetch(url(), { method: 'POST', headers: producer, body: 'bc' })
  expect(appended.status).toBe(200)
  const before = await fetch(`${url()}?offset=-1`)
  const offset = before.headers.get(STREAM_HEADERS.NEXT_OFFSET)
  expect(await before.text()).toBe('abc')
  await server.close()

  server = await startServer(streams())
  const after = await fetch(`${url()}?offset=-1`)
  expect([await after.text(), after.headers.get(STREAM_HEADERS.NEXT_OFFSET)]).toEqual(['abc', offset])
  expect((await fetch(url(), { method: 'POST', headers: producer, body: 'bc' })).status).toBe(204)
  expect(await (await fetch(`${url()}?offset=-1`)).text()).toBe('abc')
})

test('answers an oversized append 413 MESSAGE_TOO_LARGE and keeps serving the connection', async ({ startServer }) => {
  const server = await startServer({ streams: { maxBodyBytes: 1024 } })
  const url = `${server.url}/v1/stream/big`
  expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' } })).status).toBe(
    201,
  )
  const tooLarge = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(3000),
  })
  expect(tooLarge.status).toBe(413)
  expect(await tooLarge.json()).toMatchObject({ error: { code: 'MESSAGE_TOO_LARGE' } })
  expect(
    (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(1000),
      })
    ).status,
  ).toBe(204)
  expect((await fetch(url, { method: 'HEAD' })).headers.get(STREAM_HEADERS.NEXT_OFFSET)).toBe(
    '0000000000000001_0000000000001000',
  )
})

test(`refuses a stream path over ${MAX_STREAM_PATH_BYTES} bytes with 400 BAD_REQUEST`, async ({ startServer }) => {
  const server = await startServer()
  const put = (path: string) =>
    fetch(`${server.url}/v1/stream/${path}`, { method: 'PUT', headers: { 'content-type': 'text/plain' } })
  const tooLong = await put(`a/${'é'.repeat(512)}`) // 2 + 1024 bytes once decoded
  expect(tooLong.status).toBe(400)
  expect(await tooLong.json()).toMatchObject({
    error: { code: 'BAD_REQUEST', details: { bytes: 1026, limit: MAX_STREAM_PATH_BYTES } },
  })
  expect((await put(`a/${'é'.repeat(511)}`)).status).toBe(201)
})

/**
 * Bad HTTP input against a real server on SQLite (PROTOCOL.md §4, §7.4, §9.2): a stream read with an unknown `live`
 * mode or an offset beyond the stream's tail answers 400 BAD_REQUEST (generic and session streams, catch-up and live);
 * oversized and invalid bodies answer 413 MESSAGE_TOO_LARGE and 400 BAD_REQUEST as JSON errors — on the sessions
 * API, session stream appends and fallback uploads — and the server goes on serving.
 */
import { describe, expect } from 'vitest'
import { MAX_JSON_BODY_BYTES } from '../../shared/protocol/routes.ts'
import { LIVE_MODES, STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import { FALLBACK_ROUTES } from '../../shared/protocol/http-fallback.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { openRawFallback } from '../testing/raw-fallback-connection.ts'

const STREAM_BODY_BYTES = 4 * 1024
const test = testWithStore('sqlite', { streams: { maxBodyBytes: STREAM_BODY_BYTES, longPollTimeoutMs: 500 } })

const producer = (seq: number): Record<string, string> => ({
  'content-type': 'application/json',
  [STREAM_HEADERS.PRODUCER_ID]: 'p1',
  [STREAM_HEADERS.PRODUCER_EPOCH]: '0',
  [STREAM_HEADERS.PRODUCER_SEQ]: String(seq),
})

/** Status and parsed JSON body of `response`. */
async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() }
}

describe('stream reads', () => {
  test('an unknown live mode answers 400 BAD_REQUEST naming the valid modes', async ({ server, sessionId }) => {
    const stream = `${server.url}/v1/stream/notes`
    expect((await fetch(stream, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'a' })).status).toBe(
      201,
    )
    expect(
      (await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id: sessionId }) })).status,
    ).toBe(201)
    const valid = Object.values(LIVE_MODES)
    for (const url of [stream, `${server.url}${sessionStreamPath(sessionId)}`]) {
      for (const query of ['?offset=-1&live=bogus', '?offset=-1&live=', '?offset=-1&live=long-poll&live=sse']) {
        const refused = await answer(await fetch(`${url}${query}`))
        expect(refused, `${url}${query}`).toMatchObject({
          status: 400,
          body: { error: { code: 'BAD_REQUEST', details: { field: 'live', valid } } },
        })
        expect((refused.body as { error: { message: string } }).error.message).toContain('long-poll, sse')
      }
      expect((await fetch(`${url}?offset=-1`)).status).toBe(200)
    }
  })

  test('an offset beyond the tail answers 400 BAD_REQUEST in every read mode; the tail itself is read', async ({
    server,
    sessionId,
  }) => {
    const stream = `${server.url}/v1/stream/log`
    expect(
      (await fetch(stream, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'abc' })).status,
    ).toBe(201)
    const tail = (await fetch(stream, { method: 'HEAD' })).headers.get(STREAM_HEADERS.NEXT_OFFSET)
    expect(tail).toBe('0000000000000001_0000000000000003')
    for (const beyond of ['0000000000000002_0000000000000003', '0000000000000001_0000000000000004']) {
      for (const live of ['', '&live=long-poll', '&live=sse']) {
        expect(await answer(await fetch(`${stream}?offset=${beyond}${live}`)), `${beyond}${live}`).toMatchObject({
          status: 400,
          body: { error: { code: 'BAD_REQUEST', details: { field: 'offset', offset: beyond, tail } } },
        })
      }
    }
    const atTail = await fetch(`${stream}?offset=${tail}`)
    expect([atTail.status, await atTail.text(), atTail.headers.get(STREAM_HEADERS.NEXT_OFFSET)]).toEqual([
      200,
      '',
      tail,
    ])

    expect(
      (await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id: sessionId }) })).status,
    ).toBe(201)
    const events = `${server.url}${sessionStreamPath(sessionId)}`
    const sessionTail = (await fetch(`${events}?offset=-1`)).headers.get(STREAM_HEADERS.NEXT_OFFSET)
    const refused = await answer(await fetch(`${events}?offset=9999999999999999_9999999999999999`))
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', details: { field: 'offset', tail: sessionTail } } },
    })
  })
})

describe('request bodies', () => {
  test('the sessions API answers an oversized body 413 and invalid JSON or fields 400, then serves the next request', async ({
    server,
  }) => {
    const sessions = `${server.url}/v1/sessions`
    const oversized = JSON.stringify({ title: 'x'.repeat(MAX_JSON_BODY_BYTES) })
    expect(
      await answer(
        await fetch(sessions, { method: 'POST', headers: { 'content-type': 'application/json' }, body: oversized }),
      ),
    ).toMatchObject({
      status: 413,
      body: { error: { code: 'MESSAGE_TOO_LARGE', details: { maxBytes: MAX_JSON_BODY_BYTES } } },
    })
    expect(
      await answer(
        await fetch(sessions, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":' }),
      ),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    })
    expect(await answer(await fetch(sessions, { method: 'POST', body: '{"title":5}' }))).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', details: { field: 'title' } } },
    })
    expect(await answer(await fetch(sessions, { method: 'POST', body: '{"id":"bad id!"}' }))).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_SESSION_ID' } },
    })
    expect((await fetch(sessions, { method: 'POST', body: JSON.stringify({ title: 'fine' }) })).status).toBe(201)
  })

  test('a session stream append answers an oversized body 413 and invalid JSON or commands 400, then applies the next one', async ({
    server,
    sessionId,
  }) => {
    expect(
      (await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id: sessionId }) })).status,
    ).toBe(201)
    const events = `${server.url}${sessionStreamPath(sessionId)}`
    const start = JSON.stringify({ type: 'start', messageId: 'r1' })
    const tooLarge = JSON.stringify([
      { type: 'start', messageId: 'r1' },
      { type: 'text', messageId: 'r1', text: 'x'.repeat(STREAM_BODY_BYTES) },
    ])
    expect(await answer(await fetch(events, { method: 'POST', headers: producer(0), body: tooLarge }))).toMatchObject({
      status: 413,
      body: { error: { code: 'MESSAGE_TOO_LARGE' } },
    })
    expect(
      await answer(await fetch(events, { method: 'POST', headers: producer(0), body: '[{"type":' })),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    })
    expect(
      await answer(
        await fetch(events, { method: 'POST', headers: producer(0), body: '{"type":"dance","messageId":"r1"}' }),
      ),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', details: { index: 0 } } },
    })
    expect((await fetch(events, { method: 'POST', headers: producer(0), body: start })).status).toBe(200)
  })

  test('a fallback upload that is not length-prefixed frames answers 400 BAD_REQUEST', async ({ server }) => {
    const raw = await openRawFallback(server.url)
    // Announces a 100-byte frame and ends after 3.
    expect(await answer(await raw.post(new Uint8Array([100, 1, 2, 3]), 1))).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    })
    expect(
      await answer(
        await fetch(`${server.url}${FALLBACK_ROUTES.SEND}?cid=short&seq=1`, {
          method: 'POST',
          body: new Uint8Array([0]),
        }),
      ),
    ).toMatchObject({ status: 400, body: { error: { code: 'BAD_REQUEST' } } })
    raw.stop()
  })
})

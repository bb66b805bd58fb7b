/**
 * Refused writes stay with the person who wrote them (PROTOCOL.md §8.3, docs/sdks.md § Refused writes), over real
 * WebSockets against a real server on SQLite whose `maxUserTextChars` (1 000) is below the SDK's default: a message
 * written before the client has heard the server's limits is refused, and so is the short message and the steer
 * sent in the same update. The SDK lists all three with the refusal's code and reason (`refused()`, the `refused`
 * event) instead of losing them silently; retrying the short message and the steer stores them once, with their
 * original ids; retrying the long one throws TEXT_TOO_LONG and keeps it listed until it is discarded. Nothing refused
 * is ever stored.
 */
import { expect } from 'vitest'
import type { RefusedWrite } from '../../client/core/session-client.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', { limits: { maxUserTextChars: 1_000 } })

test('refused messages and steers are listed with the reason, then retried or discarded', async ({
  server,
  sessionId,
  connectClient,
}) => {
  // Written before the client has heard the server's limits: checked against the defaults only (PROTOCOL.md §10.3).
  const alice = connectClient({ principalId: 'alice', device: 'phone' })
  const events: RefusedWrite[][] = []
  alice.on('refused', (writes) => {
    events.push(writes)
  })
  const longId = alice.sendMessage('x'.repeat(1_001))
  const shortId = alice.sendMessage('and a short one')
  const steerId = alice.steer({ kind: 'note', text: 'keep it brief' })

  await expect.poll(() => alice.refused().length, { timeout: 5_000 }).toBe(3)
  expect(events).toHaveLength(1)
  expect(
    alice
      .refused()
      .map((write) => [write.kind, write.id, write.entry.text?.length, write.error.code, write.error.details]),
  ).toEqual([
    ['message', longId, 1_001, 'TEXT_TOO_LONG', { reason: 'maxUserTextChars' }],
    ['message', shortId, 15, 'TEXT_TOO_LONG', { reason: 'maxUserTextChars' }],
    ['steer', steerId, 13, 'TEXT_TOO_LONG', { reason: 'maxUserTextChars' }],
  ])
  expect(alice.refused()[1]?.entry).toMatchObject({ author: 'alice', device: 'phone' })
  expect(alice.messages()).toEqual([])

  expect(alice.retry(shortId)).toBe(shortId)
  expect(alice.retry(steerId)).toBe(steerId)
  const retriedLong = ((): unknown => {
    try {
      return alice.retry(longId)
    } catch (error) {
      return error
    }
  })()
  expect(retriedLong).toBeInstanceOf(SessionError)
  expect((retriedLong as SessionError).code).toBe('TEXT_TOO_LONG')
  expect(alice.refused().map((write) => write.id)).toEqual([longId])
  await alice.waitUntilDurable()

  const stored = await fetchTranscript(server.url, sessionId, undefined)
  expect(stored.body.messages?.map((message) => [message.id, message.text, message.device])).toEqual([
    [shortId, 'and a short one', 'phone'],
  ])
  expect(stored.body.steering?.map((steer) => [steer.id, steer.text, steer.device])).toEqual([
    [steerId, 'keep it brief', 'phone'],
  ])

  expect(alice.discard(longId)).toBe(true)
  expect(alice.discard(longId)).toBe(false)
  expect(alice.refused()).toEqual([])
  expect(events.map((writes) => writes.length)).toEqual([3, 2, 1, 0])
  expect(() => alice.retry(longId)).toThrow(`${longId} is not a refused write`)
})

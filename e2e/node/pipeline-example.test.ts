/**
 * The webhook receiver of docs/pipelines.md, run as written with node against a live server: subscribed to
 * `sessions/*`, it verifies each signed wake, reads the session events it names and acknowledges them; a user's
 * message then reaches it as `message.created`, and the subscription's cursor moves to the stream's end.
 */
import { expect, onTestFinished } from 'vitest'
import { STREAM_HEADERS, STREAM_ROUTE_PREFIX } from '../../shared/protocol/durable-streams.ts'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import { docExample } from '../testing/docs-examples.ts'
import { test } from '../testing/fixtures.ts'
import { listeningUrl } from '../testing/listening-url.ts'
import { runDocExample } from '../testing/run-doc-example.ts'

test('the receiver of docs/pipelines.md gets and verifies the events of a session', async ({
  server,
  sessionId,
  connectClient,
}) => {
  const code = docExample('docs/pipelines.md', 'pipeline-receiver')
  expect(code).toContain('verify(null')
  const receiver = runDocExample({
    code,
    lang: 'js',
    port: Number(new URL(server.url).port),
    sessionId,
    args: [server.url],
  })
  onTestFinished(() => receiver.stop())
  const hookUrl = await listeningUrl(receiver)
  const put = await fetch(`${server.url}${STREAM_ROUTE_PREFIX}__ds/subscriptions/pipeline`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'webhook', pattern: 'sessions/*', webhook: { url: hookUrl } }),
  })
  expect(put.status).toBe(201)

  const user = connectClient()
  await user.waitForSynced()
  user.sendMessage('hello pipeline')
  await user.waitUntilDurable()
  const path = sessionStreamPath(sessionId).slice(STREAM_ROUTE_PREFIX.length)
  await expect.poll(() => receiver.output(), { timeout: 8_000 }).toContain(`${path} message.created`)
  const tail = (await fetch(`${server.url}${sessionStreamPath(sessionId)}`, { method: 'HEAD' })).headers.get(
    STREAM_HEADERS.NEXT_OFFSET,
  )
  await expect
    .poll(async () => {
      const body = (await (await fetch(`${server.url}${STREAM_ROUTE_PREFIX}__ds/subscriptions/pipeline`)).json()) as {
        streams: { path: string; acked_offset: string }[]
      }
      return body.streams.find((stream) => stream.path === path)?.acked_offset
    })
    .toBe(tail)
  expect(receiver.errors()).toBe('')
})

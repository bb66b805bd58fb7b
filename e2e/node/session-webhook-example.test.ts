/**
 * The session webhook examples of docs/pipelines.md, run as written against a live server: the receiver (node, with
 * its documented port 9000 swapped for a free one) and the curl that adds it as an endpoint; a user's message and an
 * agent's reply then reach the receiver as verified, de-duplicated `message.created` and `message.done` deliveries.
 */
import { expect, onTestFinished } from 'vitest'
import { docExample } from '../testing/docs-examples.ts'
import { test } from '../testing/fixtures.ts'
import { listeningUrl } from '../testing/listening-url.ts'
import { runDocExample } from '../testing/run-doc-example.ts'

test('the session webhook receiver of docs/pipelines.md verifies and receives the events of a session', async ({
  server,
  sessionId,
  connectClient,
  connectAgent,
}) => {
  const code = docExample('docs/pipelines.md', 'session-webhook-receiver')
  expect(code).toContain('timingSafeEqual')
  const port = Number(new URL(server.url).port)
  const receiver = runDocExample({
    code,
    lang: 'js',
    port,
    sessionId,
    env: { WEBHOOK_SECRET: /WEBHOOK_SECRET=(\S+)/.exec(code)?.[1] ?? '' },
    placeholders: { 'listen(9000,': 'listen(0,' },
  })
  onTestFinished(() => receiver.stop())
  const hookUrl = await listeningUrl(receiver)

  const add = runDocExample({
    code: docExample('docs/pipelines.md', 'add-session-webhook'),
    lang: 'sh',
    port,
    sessionId,
    placeholders: { 'http://127.0.0.1:9000/hook': hookUrl },
  })
  onTestFinished(() => add.stop())
  expect(await add.exited, add.errors()).toBe(0)
  expect(JSON.parse(add.output())).toMatchObject({ url: hookUrl, kinds: ['message.created', 'message.done'] })

  const user = connectClient()
  await user.waitForSynced()
  const agent = await connectAgent({ agentId: 'writer' })
  user.sendMessage('hello webhooks')
  await user.waitUntilDurable()
  const question = user.messages()[0]?.id ?? ''
  const reply = agent.startReply({ replyTo: question })
  reply.append('hi')
  await reply.end()
  const lines = () =>
    receiver
      .output()
      .split('\n')
      .filter((line) => line.startsWith(`${sessionId}:`))
  await expect
    .poll(() => lines().map((line) => line.split(' ')[1]), { timeout: 8_000 })
    .toEqual(['message.created', 'message.done', 'message.created', 'message.done'])
  expect(new Set(lines().map((line) => line.split(' ')[0])).size).toBe(4)
  expect(receiver.errors()).toBe('')
})

/**
 * The session webhook examples of docs/pipelines.md, run as written against a live server: the receiver (node, with
 * its documented port 9000 swapped for a free one) and the curl that adds it as an endpoint; a user's message and an
 * agent's reply then reach the receiver as verified, de-duplicated `message.created` and `message.done` deliveries.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, onTestFinished } from 'vitest'
import { docExample } from '../testing/docs-examples.ts'
import { test } from '../testing/fixtures.ts'
import { runDocExample } from '../testing/run-doc-example.ts'

test('the session webhook receiver of docs/pipelines.md verifies and receives the events of a session', async ({
  server,
  sessionId,
  connectClient,
  connectAgent,
}) => {
  const script = docExample('docs/pipelines.md', 'session-webhook-receiver')
  expect(script).toContain('timingSafeEqual')
  const secret = /WEBHOOK_SECRET=(\S+)/.exec(script)?.[1] ?? ''
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-session-webhook-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'session-webhook-receiver.mjs')
  writeFileSync(file, script.replace('listen(9000,', 'listen(0,'))
  const child = spawn(process.execPath, [file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WEBHOOK_SECRET: secret },
  })
  onTestFinished(() => {
    if (child.exitCode === null) child.kill()
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  await expect.poll(() => output, { timeout: 5_000 }).toMatch(/listening (\S+)/)
  const hookUrl = /listening (\S+)/.exec(output)?.[1] ?? ''

  const add = runDocExample({
    code: docExample('docs/pipelines.md', 'add-session-webhook'),
    lang: 'sh',
    port: Number(new URL(server.url).port),
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
  const lines = () => output.split('\n').filter((line) => line.startsWith(`${sessionId}:`))
  await expect
    .poll(() => lines().map((line) => line.split(' ')[1]), { timeout: 8_000 })
    .toEqual(['message.created', 'message.done', 'message.created', 'message.done'])
  expect(new Set(lines().map((line) => line.split(' ')[0])).size).toBe(4)
  expect(output).not.toContain('Error')
})

/**
 * The Python example of the README (demo/python/stream_agent.py, stdlib only) run with python3 against a live
 * server: it catches up on the session stream, answers the user's message over HTTP appends and follows the
 * stream with long-poll until its reply is done; a Yjs client sees the reply.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { testWithStore } from '../testing/fixtures.ts'

const test = testWithStore('sqlite', { streams: { longPollTimeoutMs: 2_000 } })
const SCRIPT = new URL('../../demo/python/stream_agent.py', import.meta.url)

test('the README Python example tails a session and appends a reply', async ({ server, sessionId, connectClient }) => {
  expect(readFileSync(new URL('../../README.md', import.meta.url), 'utf8')).toContain(readFileSync(SCRIPT, 'utf8'))
  const user = connectClient()
  await user.waitForSynced()
  const question = user.sendMessage('hi python')
  await user.waitUntilDurable()
  const { stdout } = await promisify(execFile)('python3', [SCRIPT.pathname, server.url, sessionId], { timeout: 30_000 })
  expect(stdout).toContain(`last question ${question}`)
  expect(stdout).toContain('delta "Python"')
  await expect.poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 5_000 })
    .toMatchObject({ text: 'Hello from Python', status: 'done', replyTo: question })
})

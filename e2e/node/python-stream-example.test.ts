/**
 * The Python example (demo/python/stream_agent.py, stdlib only) run with python3 against a live server: it catches
 * up on the session stream, answers the user's message over HTTP appends and follows the stream with long-poll until
 * its reply is done; a Yjs client sees the reply. The docs must show the script that runs here: whole in
 * docs/sdks.md § Python, an excerpt in README.md § Python.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { testWithStore } from '../testing/fixtures.ts'

const test = testWithStore('sqlite', { streams: { longPollTimeoutMs: 2_000 } })
const SCRIPT = new URL('../../demo/python/stream_agent.py', import.meta.url)

/** The contents of the ```python blocks of a Markdown file of this repository. */
function pythonBlocks(path: string): string[] {
  const text = readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')
  return [...text.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '')
}

test('the docs show the Python example as it is', () => {
  const script = readFileSync(SCRIPT, 'utf8')
  expect(pythonBlocks('docs/sdks.md')).toContain(script)
  const excerpts = pythonBlocks('README.md')
  expect(excerpts).not.toEqual([])
  for (const excerpt of excerpts) expect(script).toContain(excerpt)
})

test('the Python example tails a session and appends a reply', async ({ server, sessionId, connectClient }) => {
  const user = connectClient()
  await user.waitForSynced()
  const question = user.sendMessage('hi python')
  await user.waitUntilDurable()
  const { stdout } = await promisify(execFile)('python3', [SCRIPT.pathname, server.url, sessionId], { timeout: 30_000 })
  expect(stdout).toContain(`last question ${question}`)
  expect(stdout).toContain('delta "Python"')
  await expect
    .poll(() => user.messages().find((message) => message.role === 'assistant'), { timeout: 5_000 })
    .toMatchObject({ text: 'Hello from Python', status: 'done', replyTo: question })
})

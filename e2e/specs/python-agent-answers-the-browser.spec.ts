/**
 * A Python agent answers a person in the browser, the person stops it from the page, and a Python follower and the
 * browser show the same ordered transcript.
 *
 * Flow:
 * 1. The spec starts two real `python3` processes with the `lifeline` package (PYTHONPATH=python/src): the agent
 *    (e2e/python/stoppable_agent.py, principal `py-agent`) and a follower (e2e/python/follow_transcript.py) that reads
 *    the session's event stream until four messages have ended.
 * 2. The person asks the agent to count; the agent streams `t0 t1 …` over HTTP appends until stopped. The page
 *    lists the Python agent in its presence strip while it works (the server publishes HTTP devices in awareness).
 * 3. Once t40 is on screen the person clicks the reply's Stop button (a `stop` steer over Yjs).
 * 4. The Python agent's reply ends `stopped`; the agent reports it and its handled mark on the steer.
 * 5. The person asks a second question, answered in full (`Hello from Python`).
 * 6. The follower prints the transcript in session order (PROTOCOL.md §11.3); it equals, message by message (role,
 *    status, text), what the page shows; the page no longer lists the agent, whose replies are over; and the
 *    server holds the stop handled by `py-agent`.
 *
 * What this catches that unit tests can't: the browser-to-Python stop path across three processes (a click in
 * Chromium, the Yjs steer, the server's event stream, the Python SDK's steer watch ending its writer) and that a
 * Yjs reader and an HTTP reader agree on order and text.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { assistantMessages, expect, fetchTranscript, messageText, sendMessage, test } from '../fixtures.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

/** A `python3` child running `script` with the repository's `lifeline` package; its stdout lines are collected. */
function startPython(
  script: string,
  args: readonly string[],
): { child: ChildProcessWithoutNullStreams; lines: string[] } {
  const child = spawn('python3', [fileURLToPath(new URL(`../python/${script}`, import.meta.url)), ...args], {
    cwd: REPO,
    env: { ...process.env, PYTHONPATH: `${REPO}python/src` },
    stdio: 'pipe',
  })
  const lines: string[] = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
  })
  child.stderr.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk)
  })
  return { child, lines }
}

/** Ends `child` if it still runs and waits for its exit. */
async function stopPython(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill()
  await exited
}

test('a Python agent answers the browser, the browser stops it, and a Python follower shows the same transcript', async ({
  sessionPage: page,
  sessionId,
  baseURL,
  request,
}) => {
  const url = baseURL ?? ''
  const agent = startPython('stoppable_agent.py', [url, sessionId, '2'])
  const follower = startPython('follow_transcript.py', [url, sessionId, '4'])
  try {
    await sendMessage(page, 'Count slowly, please.')
    const reply = assistantMessages(page).first()
    await expect(messageText(reply)).toContainText('t40 ')
    await expect(reply).toHaveAttribute('data-status', 'streaming')
    const pythonAgent = page.locator('[data-testid="person"][data-principal="py-agent"]')
    await expect(pythonAgent).toHaveAttribute('data-agent', 'true')
    await reply.getByTestId('stop-button').click()
    await expect(reply).toHaveAttribute('data-status', 'stopped')

    await expect.poll(() => agent.lines.length).toBe(1)
    const stopped = JSON.parse(agent.lines[0] as string) as { messageId: string; status: string; steerMarked: boolean }
    expect(stopped).toMatchObject({ status: 'stopped', steerMarked: true })

    await sendMessage(page, 'And now say hello.')
    await expect(assistantMessages(page).nth(1)).toHaveAttribute('data-status', 'done')
    await expect(messageText(assistantMessages(page).nth(1))).toHaveText('Hello from Python')

    await expect.poll(() => follower.lines.length).toBe(1)
    const followed = JSON.parse(follower.lines[0] as string) as Array<{ role: string; status: string; text: string }>
    const shown = await page.getByTestId('message').evaluateAll((elements) =>
      elements.map((element) => ({
        role: (element as HTMLElement).dataset.role,
        status: (element as HTMLElement).dataset.status,
        text: element.querySelector('.message-text')?.textContent ?? '',
      })),
    )
    expect(shown.map((message) => [message.role, message.status])).toEqual([
      ['user', 'done'],
      ['assistant', 'stopped'],
      ['user', 'done'],
      ['assistant', 'done'],
    ])
    expect(followed.map(({ role, status, text }) => ({ role, status, text }))).toEqual(shown)
    expect(followed[1]?.text).toMatch(/^t0 t1 (t\d+ )*$/)

    // Its replies over, the agent ended its presence: the page drops it.
    await expect(pythonAgent).toHaveCount(0)

    const transcript = await fetchTranscript(request, sessionId)
    expect(transcript.steering.map(({ kind, target, handledBy }) => ({ kind, target, handledBy }))).toEqual([
      { kind: 'stop', target: stopped.messageId, handledBy: 'py-agent' },
    ])
  } finally {
    await Promise.all([stopPython(agent.child), stopPython(follower.child)])
  }
})

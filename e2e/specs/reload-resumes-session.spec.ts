/**
 * Reloading the page in the middle of a streamed answer resumes the same answer.
 *
 * Flow:
 * 1. The user opens a fresh session in Chromium and asks a question; the test's agent answers with 300 numbered
 *    tokens (`t0 t1 …`), one every ~18 ms.
 * 2. Once token t60 is on screen (the reply is `streaming`), the page is reloaded.
 * 3. The reloaded page syncs, shows at least the text it had before the reload, and the reply is still
 *    `streaming`: the stream is picked up mid-flight, not replayed or restarted.
 * 4. The reply ends `done` with exactly `t0 … t299` (no duplicated or missing token), in the page and on the
 *    server, and the agent was invoked exactly once.
 *
 * What this catches that unit tests can't: a real browser reload tears down the page's WebSocket, Y.Doc and
 * render state and rebuilds them from the bundled demo page — its IndexedDB copy first, then the live server —
 * while the agent keeps writing. Only this shows that the offline copy, the state-vector resync of a fresh
 * browser client and the page's incremental renderer together yield the exact text (a render bug that appends the replayed text twice, or a page that posts the question
 * again and triggers a second model call, both pass every Node test).
 */
import {
  assistantMessages,
  expect,
  expectSynced,
  fetchTranscript,
  messageText,
  sendMessage,
  test,
  userMessages,
} from '../fixtures.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'

test('reload mid-stream continues the same answer without duplicates or gaps', async ({
  sessionPage: page,
  agent,
  sessionId,
  request,
  replyTokens,
}) => {
  // Safety net on a slow machine: if the reload takes longer than the stream, the agent waits before t250, so
  // the reply is still `streaming` when the reloaded page checks. Normally it is released before reaching it.
  const hold = agent.pauseBefore(250)
  await sendMessage(page, 'Count to three hundred, please.')
  const reply = assistantMessages(page)
  await expect(reply).toHaveCount(1)
  await expect(messageText(reply)).toContainText('t60 ')
  await expect(reply).toHaveAttribute('data-status', 'streaming')
  const before = (await messageText(reply).textContent()) ?? ''
  expect(before.startsWith(expectedText(61))).toBe(true)

  await page.reload()

  await expectSynced(page)
  await expect(userMessages(page)).toHaveCount(1)
  await expect(reply).toHaveCount(1)
  // Everything shown before the reload is back, in order, and the answer is still being written.
  await expect.poll(async () => ((await messageText(reply).textContent()) ?? '').startsWith(before)).toBe(true)
  await expect(reply).toHaveAttribute('data-status', 'streaming')
  hold.resume()

  await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
  await expect(messageText(reply)).toHaveText(expectedText(replyTokens))
  expect(await messageText(reply).textContent()).toBe(expectedText(replyTokens))
  await expect(assistantMessages(page)).toHaveCount(1)

  const transcript = await fetchTranscript(request, sessionId)
  expect(transcript.messages.map((message) => [message.role, message.status])).toEqual([
    ['user', 'done'],
    ['assistant', 'done'],
  ])
  expect(transcript.messages[1]?.text).toBe(expectedText(replyTokens))
  expect(agent.invocations).toBe(1)
})

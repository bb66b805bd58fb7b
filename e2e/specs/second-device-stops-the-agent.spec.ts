/**
 * A Stop clicked on a second device stops the agent: its AbortSignal fires, the token stream ends and the reply
 * ends `stopped` on every device.
 *
 * Flow:
 * 1. Device A (default browser context) and device B (a second browser context) open the same fresh session.
 * 2. Device A asks a question; the agent streams 300 numbered tokens, one every ~18 ms.
 * 3. Once t40 is on device B's screen, device B clicks the reply's Stop button (which posts a `stop` steer).
 * 4. Device B shows the reply `stopped` and its Stop button disappears; the agent's reply AbortSignal fired. (How
 *    fast a stop lands is measured by `npm run bench:steer`, not asserted here.)
 * 5. The agent's stream has ended (`pipe` resolved `stopped`) well before its 300 tokens, and the reply holds
 *    exactly `t0 … t(k-1)` for some k — the same on device A, device B and the server — with no further tokens.
 * 6. The server holds one `stop` steer from device B's user, handled by the agent; the agent was invoked once.
 *
 * What this catches that unit tests can't: the whole stop path across real processes — a click in one browser,
 * through the bundled page's steer, the server's broadcast, the agent SDK's steer dispatcher to the AbortSignal
 * of a generation running in another process, and the final status back to both browsers, so a stop that is
 * posted but never reaches the agent, or leaves the other device showing a still-streaming reply, fails here even
 * when each piece passes its own test. The agent holds before t250 until the test ends, so the reply is always
 * still streaming when the click lands.
 */
import { assistantMessages, expect, fetchTranscript, messageText, sendMessage, test } from '../fixtures.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'
import { DEMO_STORAGE_KEYS } from '../../demo/app/demo-storage-keys.ts'

test('device B clicks Stop and the agent stops', async ({
  sessionPage: deviceA,
  openDevice,
  sessionId,
  agent,
  request,
  replyTokens,
}) => {
  const deviceB = await openDevice()

  // Safety net on a slow machine: the agent waits before t250 (never released), so the reply is still streaming
  // whenever the click lands. Normally the Stop comes long before that.
  agent.pauseBefore(250)
  await sendMessage(deviceA, 'Count slowly to three hundred.')
  const replyB = assistantMessages(deviceB)
  await expect(messageText(replyB)).toContainText('t40 ')
  await expect(replyB).toHaveAttribute('data-status', 'streaming')
  const stop = replyB.getByTestId('stop-button')

  await stop.click()
  await expect(replyB).toHaveAttribute('data-status', 'stopped')
  await expect(stop).toBeHidden()

  const [run] = agent.replies
  expect(run).toBeDefined()
  expect(await run?.ended).toBe('stopped')
  expect(run?.aborted).toBe(true)
  const tokensStreamed = run?.tokensStreamed ?? 0
  expect(tokensStreamed).toBeGreaterThan(40)
  expect(tokensStreamed).toBeLessThan(replyTokens)

  const stoppedText =
    (await fetchTranscript(request, sessionId)).messages.find((message) => message.role === 'assistant')?.text ?? ''
  const tokensKept = stoppedText.split(' ').length - 1
  expect(stoppedText).toBe(expectedText(tokensKept))
  expect(tokensKept).toBeLessThanOrEqual(tokensStreamed)
  for (const device of [deviceA, deviceB]) {
    await expect(assistantMessages(device)).toHaveAttribute('data-status', 'stopped')
    await expect(messageText(assistantMessages(device))).toHaveText(stoppedText)
    expect(await messageText(assistantMessages(device)).textContent()).toBe(stoppedText)
  }
  // The stream is over: the token source returned, and nothing was added meanwhile.
  expect(run?.tokensStreamed).toBe(tokensStreamed)
  for (const device of [deviceA, deviceB])
    expect(await messageText(assistantMessages(device)).textContent()).toBe(stoppedText)

  const principalB = await deviceB.evaluate((key) => localStorage.getItem(key), DEMO_STORAGE_KEYS.PRINCIPAL)
  const transcript = await fetchTranscript(request, sessionId)
  expect(transcript.messages.map((message) => [message.role, message.status])).toEqual([
    ['user', 'done'],
    ['assistant', 'stopped'],
  ])
  expect(
    transcript.steering.map(({ kind, author, target, handledBy }) => ({ kind, author, target, handledBy })),
  ).toEqual([{ kind: 'stop', author: principalB, target: run?.id, handledBy: agent.session.agentId }])
  expect(agent.invocations).toBe(1)
})

/**
 * Two devices on one session see the same streamed answer, token for token, while it streams and after.
 *
 * Flow:
 * 1. Device A (the default browser context) and device B (a second, separate browser context: own storage,
 *    own WebSocket, own principal) open the same fresh session; both badges read `synced`.
 * 2. Device A asks a question; device B shows the same question. The agent answers with numbered tokens and
 *    is held before tokens 80 and 200 (everything before is durable on the server).
 * 3. At each hold, while the reply is still `streaming`, both devices show exactly `t0 … t79` (then
 *    `t0 … t199`), i.e. the same text as each other and as the server.
 * 4. Between and after the holds the stream runs freely; it ends `done` and both devices show exactly the full
 *    answer, with one question and one answer each, and the agent was invoked once.
 *
 * What this catches that unit tests can't: two real browsers, each running the bundled page with its own
 * WebSocket and incremental renderer, fed by one live agent through the real server's broadcast. A device that
 * misses or re-applies a broadcast update, renders a stale coalesced run, or creates its own copy of the reply
 * shows different text on one screen, which no single-client or Node-only test can see.
 */
import {
  assistantMessages,
  expect,
  fetchTranscript,
  messageText,
  sendMessage,
  test,
  userMessages,
} from '../fixtures.ts'
import { expectedText } from '../../shared/testing/token-stream.ts'

test('device A and device B show identical text during and after a streamed answer', async ({
  sessionPage: deviceA,
  openDevice,
  sessionId,
  agent,
  request,
  replyTokens,
}) => {
  const deviceB = await openDevice()
  const devices = [deviceA, deviceB]

  const firstHold = agent.pauseBefore(80)
  const secondHold = agent.pauseBefore(200)

  const question = 'Both of my devices are watching. Stream something long.'
  await sendMessage(deviceA, question)
  for (const device of devices) await expect(messageText(userMessages(device))).toHaveText(question)

  for (const [hold, tokens] of [
    [firstHold, 80],
    [secondHold, 200],
  ] as const) {
    await hold.reached
    for (const device of devices) {
      await expect(assistantMessages(device)).toHaveAttribute('data-status', 'streaming')
      await expect(messageText(assistantMessages(device))).toHaveText(expectedText(tokens))
    }
    const [textA, textB] = await Promise.all(
      devices.map((device) => messageText(assistantMessages(device)).textContent()),
    )
    expect(textA).toBe(expectedText(tokens))
    expect(textB).toBe(textA)
    expect((await fetchTranscript(request, sessionId)).messages[1]?.text).toBe(expectedText(tokens))
    hold.resume()
  }

  for (const device of devices) {
    await expect(assistantMessages(device)).toHaveAttribute('data-status', 'done', { timeout: 20_000 })
    await expect(messageText(assistantMessages(device))).toHaveText(expectedText(replyTokens))
    await expect(userMessages(device)).toHaveCount(1)
    await expect(assistantMessages(device)).toHaveCount(1)
  }
  const [finalA, finalB] = await Promise.all(
    devices.map((device) => messageText(assistantMessages(device)).textContent()),
  )
  expect(finalA).toBe(expectedText(replyTokens))
  expect(finalB).toBe(finalA)
  expect(agent.invocations).toBe(1)
})

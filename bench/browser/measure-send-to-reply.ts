/**
 * measureSendToReply: the time from a person's click on Send to the frame showing the first text of the reply
 * painted, with an agent that answers at once. Both ends are page times (the click event's time stamp and the
 * paint, observe-paints.ts), so no clock alignment enters this figure.
 */
import type { Browser } from '@playwright/test'
import type { BenchChat } from './bench-chat.ts'
import { openBenchPage } from './bench-page.ts'

/** Opens a fresh page of `chat`, sends `sends` messages one after another, and returns each latency in ms. */
export async function measureSendToReply(
  browser: Browser,
  chat: BenchChat,
  options: { readonly name: string; readonly sends: number },
): Promise<number[]> {
  const bench = await openBenchPage(browser)
  const agent = await chat.open(bench.page, options.name)
  agent.answerInstantly()
  try {
    const latencies: number[] = []
    for (let send = 0; send < options.sends; send++) {
      await bench.page.getByTestId('composer-input').fill(`question ${send}`)
      await bench.page.getByTestId('send-button').click()
      const shown = await bench.waitForPaint({ minLength: 1, count: send + 1 })
      const { sends } = await bench.log()
      const clickedAt = sends[send]
      if (clickedAt === undefined) throw new Error(`click ${send} on ${options.name} was not seen by the page`)
      latencies.push(shown.paintedAt - clickedAt)
    }
    return latencies
  } finally {
    await agent.close()
    await bench.close()
  }
}

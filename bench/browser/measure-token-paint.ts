/**
 * measureTokenPaint: the time from the agent handing a token over (`append` on the reply writer, or `send` on the
 * relay socket) until the frame showing it is painted in the page (observe-paints.ts), for every token of one reply
 * paced at random gaps, so tokens fall at every phase of the page's frames. The agent runs in this process; page
 * times are moved onto this process's clock by the measured offset (measure-clock-offset.ts). It also reads the page's
 * main-thread CPU time over the reply from Chromium's own counters (CDP `Performance.getMetrics` in thread ticks).
 */
import type { Browser, CDPSession } from '@playwright/test'
import type { SeededRandom } from '../../shared/testing/seeded-random.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import type { BenchChat } from './bench-chat.ts'
import { historyReplies } from './bench-history.ts'
import { openBenchPage } from './bench-page.ts'
import { measureClockOffset, nodeClockNow } from './measure-clock-offset.ts'

/** Latencies of one reply, in ms, one per token. */
export interface TokenPaintRun {
  /** Token handed over → frame holding it painted. */
  readonly paintMs: readonly number[]
  /** Token handed over → the page's DOM holds it (before layout and paint). */
  readonly domMs: readonly number[]
  /** The clock offset's possible error, in ms (half the shortest round trip to the page). */
  readonly clockErrorMs: number
  /** The page's main-thread CPU time from the first token handed over until the last one is painted, per token, in ms. */
  readonly taskMsPerToken: number
  /** The part of it spent running JavaScript, per token, in ms. */
  readonly scriptMsPerToken: number
}

/** The page's main-thread CPU time so far, in ms: all tasks, and JavaScript alone. */
async function mainThreadTime(cdp: CDPSession): Promise<{ taskMs: number; scriptMs: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics')
  const seconds = (name: string): number => metrics.find((metric) => metric.name === name)?.value ?? Number.NaN
  return { taskMs: seconds('TaskDuration') * 1000, scriptMs: seconds('ScriptDuration') * 1000 }
}

/** Gaps between tokens, in ms: uniform in this range, never a multiple of the frame interval for long. */
const GAP_MS = { min: 10, max: 30 } as const

/** Streams `tokens` tokens to a fresh page of `chat`, after `history` earlier messages (default none), and measures each one. */
export async function measureTokenPaint(
  browser: Browser,
  chat: BenchChat,
  options: { readonly name: string; readonly tokens: number; readonly random: SeededRandom; readonly history?: number },
): Promise<TokenPaintRun> {
  const history = options.history ?? 0
  /** The replies on the page once the measured one is open: the watched text is the last one's. */
  const replies = historyReplies(history) + 1
  const bench = await openBenchPage(browser)
  const agent = await chat.open(bench.page, options.name, { history })
  try {
    const before = await measureClockOffset(bench.page)
    const reply = await agent.startReply()
    await bench.waitForPaint({ minLength: 0, count: replies })
    const cdp = await bench.context.newCDPSession(bench.page)
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
    const cpuBefore = await mainThreadTime(cdp)
    const handedAt: number[] = []
    const lengths: number[] = []
    let length = 0
    for (let index = 0; index < options.tokens; index++) {
      await new Promise<void>((resolve) => {
        setTimeout(resolve, options.random.int(GAP_MS.min, GAP_MS.max))
      }) // pacing, not synchronisation
      const token = tokenAt(index)
      length += token.length
      lengths.push(length)
      handedAt.push(nodeClockNow())
      reply.append(token)
    }
    await reply.end()
    await bench.waitForPaint({ minLength: length })
    const cpuAfter = await mainThreadTime(cdp)
    const after = await measureClockOffset(bench.page)
    const offsetMs = (before.offsetMs + after.offsetMs) / 2
    const timeOrigin = await bench.page.evaluate(() => performance.timeOrigin)
    const { records } = await bench.log()
    const paintMs: number[] = []
    const domMs: number[] = []
    lengths.forEach((tokenEnd, index) => {
      const shown = records.find((record) => record.count === replies && record.length >= tokenEnd)
      if (shown === undefined) throw new Error(`token ${index} of ${options.name} was never shown`)
      const sent = handedAt[index] ?? Number.NaN
      paintMs.push(timeOrigin + shown.paintedAt - offsetMs - sent)
      domMs.push(timeOrigin + shown.domAt - offsetMs - sent)
    })
    return {
      paintMs,
      domMs,
      clockErrorMs: Math.max(before.errorMs, after.errorMs) + Math.abs(before.offsetMs - after.offsetMs) / 2,
      taskMsPerToken: (cpuAfter.taskMs - cpuBefore.taskMs) / options.tokens,
      scriptMsPerToken: (cpuAfter.scriptMs - cpuBefore.scriptMs) / options.tokens,
    }
  } finally {
    await agent.close()
    await bench.close()
  }
}

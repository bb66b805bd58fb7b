/**
 * measureFrameStart: how long a page waits for a frame it asks for, on an idle page and on one that runs a CSS
 * animation (the demo's streaming cursor used to blink). Headless Chromium starts a frame at once for a page that asks
 * while its compositor is idle, but while anything animates the compositor is clocked by the frame interval and a
 * change waits for the next tick. Each sample asks for an animation frame from a timer 10–30 ms after the last frame
 * (as paced tokens arrive) and takes the time until a task posted from that frame runs, i.e. until the frame's
 * rendering update is done (observe-paints.ts defines "painted" the same way).
 */
import type { Browser } from '@playwright/test'
import { openBenchPage } from './bench-page.ts'
import { percentile } from './percentile.ts'

/** Median wait, in ms, from asking for a frame to its rendering update done. */
export interface FrameStart {
  readonly idleMs: number
  readonly animatingMs: number
}

/** Samples per page. */
const SAMPLES = 60

/** A blinking cursor like the one the demo's streaming reply had (`steps(2)`, one second). */
const BLINK_STYLE =
  '<style>p::after{content:"▍";animation:blink 1s steps(2) infinite}@keyframes blink{50%{opacity:0}}</style>'

/** Measures both pages in fresh contexts of `browser`. */
export async function measureFrameStart(browser: Browser): Promise<FrameStart> {
  return { idleMs: await median(browser, ''), animatingMs: await median(browser, BLINK_STYLE) }
}

async function median(browser: Browser, style: string): Promise<number> {
  const bench = await openBenchPage(browser)
  try {
    await bench.page.goto(`data:text/html,${encodeURIComponent(`${style}<p>text</p>`)}`)
    const waits = await bench.page.evaluate(async (samples) => {
      const found: number[] = []
      for (let sample = 0; sample < samples; sample++) {
        await new Promise((resolve) => {
          setTimeout(resolve, 10 + ((sample * 7) % 21))
        }) // pacing, not synchronisation: the requests fall at every phase of the frames
        const askedAt = performance.now()
        await new Promise((resolve) => {
          requestAnimationFrame(() => {
            const done = new MessageChannel()
            done.port1.onmessage = resolve
            done.port2.postMessage(0)
          })
        })
        found.push(performance.now() - askedAt)
      }
      return found
    }, SAMPLES)
    return percentile(waits, 50)
  } finally {
    await bench.close()
  }
}

/**
 * measureClockOffset: how far a page's clock (`performance.timeOrigin + performance.now()`) is from this Node
 * process's clock (the same expression). Both derive from the machine's one wall clock at their time origin and
 * advance monotonically, so they differ only by how each origin was rounded or the clock was slewed in between;
 * the offset is measured the way NTP does: ask the page for its time between two Node readings, keep the round trip
 * with the shortest time, and take the page's reading against its midpoint (error at most half that round trip).
 */
import { performance } from 'node:perf_hooks'
import type { Page } from '@playwright/test'

/** The measured offset. */
export interface ClockOffset {
  /** Page clock minus Node clock, in ms: subtract it from a page time to get a Node time. */
  readonly offsetMs: number
  /** Half the shortest round trip, in ms: the most the offset can be wrong by. */
  readonly errorMs: number
}

/** Now on this process's clock, comparable with a page's `performance.timeOrigin + performance.now()`. */
export function nodeClockNow(): number {
  return performance.timeOrigin + performance.now()
}

/** Measures the offset of `page`'s clock over `samples` round trips (default 40). */
export async function measureClockOffset(page: Page, samples = 40): Promise<ClockOffset> {
  let best: ClockOffset = { offsetMs: Number.NaN, errorMs: Number.POSITIVE_INFINITY }
  for (let sample = 0; sample < samples; sample++) {
    const before = nodeClockNow()
    const pageNow = await page.evaluate(() => performance.timeOrigin + performance.now())
    const after = nodeClockNow()
    const errorMs = (after - before) / 2
    if (errorMs < best.errorMs) best = { offsetMs: pageNow - (before + after) / 2, errorMs }
  }
  return best
}

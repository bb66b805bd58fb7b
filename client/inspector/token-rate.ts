/**
 * createTokenRate: the inspector's token rate, computed in the page from text growth. Feed it the session's total
 * agent text length whenever it changes and on a timer; it answers characters per second over a sliding window,
 * falling to 0 once the text stops growing.
 *
 *   const rate = createTokenRate({ windowMs: 5_000 })
 *   rate.record(totalChars, Date.now())
 *   rate.charsPerSecond(Date.now())
 */

/** Options of {@link createTokenRate}. */
export interface TokenRateOptions {
  /** Width of the sliding window, in ms (default 5000): long enough to smooth a coalescing agent's bursts. */
  readonly windowMs?: number
}

/** A sliding-window rate of text growth. */
export interface TokenRate {
  /** Records the total agent text length at `nowMs`. A smaller total (a new session) restarts the window. */
  record(totalChars: number, nowMs: number): void
  /** Characters per second over the window ending at `nowMs`; 0 until two samples span some time. */
  charsPerSecond(nowMs: number): number
}

/** Characters per LLM token, roughly, for English text: used to show an approximate tokens/s. */
export const CHARS_PER_TOKEN = 4

/** Creates an empty rate. */
export function createTokenRate(options: TokenRateOptions = {}): TokenRate {
  const windowMs = options.windowMs ?? 5_000
  let samples: Array<{ atMs: number; chars: number }> = []

  const trim = (nowMs: number): void => {
    // Keep the newest sample at or before the window start as the baseline of the growth inside the window.
    const start = nowMs - windowMs
    while (samples.length > 1 && (samples[1]?.atMs ?? Infinity) <= start) samples.shift()
  }

  return {
    record(totalChars, nowMs) {
      const last = samples.at(-1)
      if (last !== undefined && totalChars < last.chars) samples = []
      samples.push({ atMs: nowMs, chars: totalChars })
      trim(nowMs)
    },
    charsPerSecond(nowMs) {
      trim(nowMs)
      const first = samples[0]
      const last = samples.at(-1)
      if (first === undefined || last === undefined) return 0
      const spanMs = Math.min(windowMs, nowMs - first.atMs)
      return spanMs <= 0 ? 0 : (last.chars - first.chars) / (spanMs / 1000)
    },
  }
}

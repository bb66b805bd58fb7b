/**
 * StreamPlan: one benchmark scenario (how many viewers, how many tokens, paced or flood), and timedTokens, the
 * producer both systems share: it stamps each token's send time, then yields its index.
 */

/** One scenario of the stream bench. */
export interface StreamPlan {
  readonly scenario: 'paced' | 'flood'
  readonly viewers: number
  readonly tokens: number
  /** Tokens per second for `paced`; absent for `flood` (as fast as the producer can go). */
  readonly tokensPerSecond?: number
}

/** A flood producer yields to the event loop after this many tokens, so sockets in this process make progress. */
const FLOOD_YIELD_EVERY = 100

/**
 * Yields token indices 0..plan.tokens-1 on the plan's schedule; `sentAt[index]` is set (performance.now())
 * right before each index is yielded.
 */
export async function* timedTokens(plan: StreamPlan, sentAt: Float64Array): AsyncGenerator<number> {
  const start = performance.now()
  const intervalMs = plan.tokensPerSecond === undefined ? 0 : 1000 / plan.tokensPerSecond
  for (let index = 0; index < plan.tokens; index++) {
    if (intervalMs > 0) await sleepUntil(start + index * intervalMs)
    else if (index > 0 && index % FLOOD_YIELD_EVERY === 0) await nextTurn()
    sentAt[index] = performance.now()
    yield index
  }
}

function sleepUntil(due: number): Promise<void> {
  const wait = due - performance.now()
  return wait > 0
    ? new Promise((resolve) => {
        setTimeout(resolve, wait)
      })
    : Promise.resolve()
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve)
  })
}

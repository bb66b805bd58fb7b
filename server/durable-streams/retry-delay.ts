/**
 * Webhook retry backoff (PROTOCOL.md §9.11): the first delay doubles with each failure in a row up to the cap, and
 * varies by ± the jitter fraction so that many failed deliveries do not retry in step.
 */
import { SUBSCRIPTION_RETRY } from '../../shared/protocol/durable-streams.ts'

/** Backoff schedule; defaults are {@link SUBSCRIPTION_RETRY}. */
export interface RetrySchedule {
  readonly firstDelayMs: number
  readonly maxDelayMs: number
  /** Fraction of the delay by which it varies either way. */
  readonly jitter: number
}

const DEFAULT_SCHEDULE: RetrySchedule = {
  firstDelayMs: SUBSCRIPTION_RETRY.FIRST_DELAY_MS,
  maxDelayMs: SUBSCRIPTION_RETRY.MAX_DELAY_MS,
  jitter: SUBSCRIPTION_RETRY.JITTER,
}

/** The delay in ms before attempt number `failures + 1`, `random` giving a number in [0, 1). */
export function retryDelayMs(
  failures: number,
  random: () => number,
  schedule: RetrySchedule = DEFAULT_SCHEDULE,
): number {
  const base = Math.min(schedule.maxDelayMs, schedule.firstDelayMs * 2 ** Math.max(0, failures - 1))
  return Math.round(base * (1 + schedule.jitter * (2 * random() - 1)))
}

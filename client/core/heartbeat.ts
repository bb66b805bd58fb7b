/**
 * createHeartbeat: notices a connection that went silent. While connected, once nothing has arrived for `intervalMs`
 * it asks the server for an answer (`probe`); when nothing arrives within `timeoutMs` after that, it calls
 * `onTimeout` (the client drops the connection and reconnects). Any incoming frame counts as a sign of life, so a
 * busy connection is never probed. A dead network is noticed within intervalMs + timeoutMs + checkEveryMs.
 *
 * A server that answers, but slowly (an overloaded node), is not given up on: both times stretch to
 * SLOW_ANSWER_FACTOR × the recent answer time, which rises at once with a slow answer and halves with each quicker
 * one, up to MAX_STRETCHED_MS. Dropping such a connection would make every client reconnect and resync, which loads
 * the server further and slows its answers more; probing less often leaves it the time to catch up. The bound keeps an
 * answer read late — the page frozen or the machine asleep while a probe was out — from turning the heartbeat off.
 */

/** Defaults: a silent connection is given up within about 2.75 s. */
export const DEFAULT_HEARTBEAT = { intervalMs: 1_000, timeoutMs: 1_500 } as const

/** How many recent answer times a probe waits, and a quiet connection waits before it probes, at the least. */
const SLOW_ANSWER_FACTOR = 3

/** The longest a stretched wait gets, in ms: a server that takes over 10 s to answer is given up on after 30 s. */
const MAX_STRETCHED_MS = 30_000

/** Options of {@link createHeartbeat}. */
export interface HeartbeatOptions {
  /** Quiet time after which the server is asked for an answer, in ms. */
  readonly intervalMs: number
  /** Time the server has to answer a probe, in ms. */
  readonly timeoutMs: number
  /** Sends something the server answers. */
  probe(): void
  /** Nothing arrived within `timeoutMs` of a probe. */
  onTimeout(): void
  /** Clock, in ms (default `Date.now`). */
  readonly now?: () => number
  /**
   * Runs `check` periodically and returns a function that stops it (default: `setInterval` every quarter of the
   * shorter of the two times). Tests pass their own and call `check` themselves.
   */
  readonly every?: (check: () => void, everyMs: number) => () => void
}

/** A running heartbeat. */
export interface Heartbeat {
  /** A connection was established: start watching it. */
  connected(): void
  /** The connection is gone: stop watching until the next `connected()`. */
  disconnected(): void
  /** Something arrived from the server. */
  received(): void
  /** Probes or times out when it is time (called periodically). */
  check(): void
  /** Stops for good. */
  stop(): void
}

/** Starts a heartbeat (idle until `connected()`). @throws TypeError when a time is not a positive number */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  for (const name of ['intervalMs', 'timeoutMs'] as const) {
    if (!(options[name] > 0)) throw new TypeError(`heartbeat ${name} must be a positive number, got ${options[name]}`)
  }
  const now = options.now ?? Date.now
  let watching = false
  let lastReceivedAt = 0
  let probedAt: number | undefined
  /**
   * The recent answer time of probes in ms: the last one when slower, else half the previous value; at most a third
   * of MAX_STRETCHED_MS.
   */
  let answerMs = 0
  const check = (): void => {
    if (!watching) return
    const time = now()
    const stretched = SLOW_ANSWER_FACTOR * answerMs
    if (probedAt !== undefined) {
      if (time - probedAt < Math.max(options.timeoutMs, stretched)) return
      watching = false
      probedAt = undefined
      options.onTimeout()
    } else if (time - lastReceivedAt >= Math.max(options.intervalMs, stretched)) {
      probedAt = time
      options.probe()
    }
  }
  const every =
    options.every ??
    ((run: () => void, everyMs: number): (() => void) => {
      const timer = setInterval(run, everyMs)
      return () => {
        clearInterval(timer)
      }
    })
  const stopTimer = every(check, Math.min(options.intervalMs, options.timeoutMs) / 4)
  return {
    connected() {
      watching = true
      lastReceivedAt = now()
      probedAt = undefined
    },
    disconnected() {
      watching = false
      probedAt = undefined
    },
    received() {
      lastReceivedAt = now()
      if (probedAt !== undefined)
        answerMs = Math.min(Math.max(lastReceivedAt - probedAt, answerMs / 2), MAX_STRETCHED_MS / SLOW_ANSWER_FACTOR)
      probedAt = undefined
    },
    check,
    stop() {
      watching = false
      stopTimer()
    },
  }
}

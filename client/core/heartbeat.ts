/**
 * createHeartbeat: notices a connection that went silent. While connected, once nothing has arrived for `intervalMs`
 * it asks the server for an answer (`probe`); when nothing arrives within `timeoutMs` after that, it calls
 * `onTimeout` (the client drops the connection and reconnects). Any incoming frame counts as a sign of life, so a
 * busy connection is never probed. A dead network is noticed within intervalMs + timeoutMs + checkEveryMs.
 */

/** Defaults: a silent connection is given up within about 2.75 s. */
export const DEFAULT_HEARTBEAT = { intervalMs: 1_000, timeoutMs: 1_500 } as const

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
  const check = (): void => {
    if (!watching) return
    const time = now()
    if (probedAt !== undefined) {
      if (time - probedAt < options.timeoutMs) return
      watching = false
      probedAt = undefined
      options.onTimeout()
    } else if (time - lastReceivedAt >= options.intervalMs) {
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
      probedAt = undefined
    },
    check,
    stop() {
      watching = false
      stopTimer()
    },
  }
}

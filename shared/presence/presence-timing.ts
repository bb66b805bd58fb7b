/**
 * Presence timing (PROTOCOL.md §8.5): how often a device renews its awareness state, how long the server waits for
 * a renewal before it drops a silent device (a frozen tab, a network gone without a close) and broadcasts the
 * removal, and how long an agent waits before it reports a user whose devices are all gone. Written once here so
 * the server and the SDKs agree on the defaults.
 */

/** A device that renewed nothing for this long is dropped from presence by the server, in ms. */
export const DEFAULT_PRESENCE_TIMEOUT_MS = 15_000

/** How often a device renews its awareness state while connected, in ms: a third of the default timeout. */
export const DEFAULT_PRESENCE_HEARTBEAT_MS = 5_000

/** How long every device of a user must stay gone before an agent reports `user-left`, in ms (covers a reload). */
export const DEFAULT_USER_LEFT_GRACE_MS = 5_000

/**
 * `value` when it is a positive safe integer of milliseconds, else a TypeError naming `option`.
 * @throws TypeError when `value` is not a positive safe integer
 */
export function checkPresenceMs(option: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`${option} must be a positive integer of milliseconds, got ${String(value)}`)
  }
  return value
}

/** How many presence announcements over HTTP a principal may make per second, sustained (PROTOCOL.md §9.9). */
export const HTTP_PRESENCE_PER_SECOND = 2

/** How many presence announcements over HTTP a principal may make at once (PROTOCOL.md §9.9). */
export const HTTP_PRESENCE_BURST = 10

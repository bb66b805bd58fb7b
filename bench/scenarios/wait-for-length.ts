/**
 * lengthWatch: remembers the longest reply length a viewer reported and waits for it to reach a target.
 */
import { waitForCondition } from '../../client/core/wait-for-condition.ts'

/** A viewer's reply length, observable. */
export interface LengthWatch {
  /** Pass as the viewer's `onLength`. */
  readonly onLength: (length: number) => void
  readonly length: number
  /** Resolves once the length is at least `target`. @throws SessionError TIMEOUT */
  waitFor(target: number, timeoutMs: number, what: string): Promise<void>
}

/** Creates an empty watch. */
export function createLengthWatch(): LengthWatch {
  let length = 0
  const listeners = new Set<() => void>()
  return {
    onLength(next) {
      length = Math.max(length, next)
      for (const listener of [...listeners]) listener()
    },
    get length() {
      return length
    },
    waitFor: (target, timeoutMs, what) =>
      waitForCondition(
        (listener) => {
          listeners.add(listener)
          return () => {
            listeners.delete(listener)
          }
        },
        () => length >= target,
        timeoutMs,
        what,
      ),
  }
}

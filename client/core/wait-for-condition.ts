/**
 * Waits until a condition holds, re-checking it whenever `subscribe` reports a change, with a timeout.
 */
import { SessionError } from '../../shared/errors/session-error.ts'

/**
 * Resolves once `condition()` is true; it is checked now and on every call of the listener given to
 * `subscribe` (which returns its own unsubscribe function).
 * @throws SessionError TIMEOUT after `timeoutMs`
 */
export function waitForCondition(
  subscribe: (listener: () => void) => () => void,
  condition: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(
        new SessionError('TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`, {
          details: { timeoutMs, what },
        }),
      )
    }, timeoutMs)
    const unsubscribe = subscribe(() => {
      if (!condition()) return
      clearTimeout(timer)
      unsubscribe()
      resolve()
    })
  })
}

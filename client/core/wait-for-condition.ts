/**
 * Waits until a condition holds, re-checking it whenever `subscribe` reports a change, with a timeout.
 */
import { SessionError } from '../../shared/errors/session-error.ts'

/**
 * Resolves once `condition()` is true; it is checked now and on every call of the listener given to
 * `subscribe` (which returns its own unsubscribe function). `givenUp()`, checked before the condition at the same
 * moments, ends the wait with the error it returns: e.g. the client was destroyed, so the condition never comes.
 * @throws SessionError TIMEOUT after `timeoutMs`, or what `givenUp` returned
 */
export function waitForCondition(
  subscribe: (listener: () => void) => () => void,
  condition: () => boolean,
  timeoutMs: number,
  what: string,
  givenUp: () => SessionError | undefined = () => undefined,
): Promise<void> {
  const early = givenUp()
  if (early !== undefined) return Promise.reject(early)
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
      const error = givenUp()
      if (error === undefined && !condition()) return
      clearTimeout(timer)
      unsubscribe()
      if (error === undefined) resolve()
      else reject(error)
    })
  })
}

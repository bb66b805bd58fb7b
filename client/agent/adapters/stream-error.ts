/**
 * Errors the SDK adapters throw when a stream reports a failure in-band (an `error` part or event) or an abort
 * that did not come from the reply's own signal. `pipeParts` then ends the reply `failed` and rethrows.
 */

/** `value` itself when it is an Error (an SDK error keeps its class), else an Error carrying it as `cause`. */
export function toStreamError(value: unknown, what: string): Error {
  if (value instanceof Error) return value
  return new Error(`${what}: ${describeValue(value)}`, { cause: value })
}

/**
 * The error for an `abort` part: the SDK stopped generating because of a signal other than the reply's (a stop
 * of the reply ends it `stopped` before this part is read).
 */
export function streamAbortedError(what: string, reason?: unknown): Error {
  const error = new Error(`${what} was aborted${typeof reason === 'string' && reason !== '' ? `: ${reason}` : ''}`)
  error.name = 'AbortError'
  return error
}

/** A readable message for a tool error payload (an Error, a string, or anything JSON). */
export function errorMessage(value: unknown): string {
  return value instanceof Error ? value.message : describeValue(value)
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message
  }
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // reason: a payload that is not JSON (a cycle) still gets a message
    return String(value)
  }
}

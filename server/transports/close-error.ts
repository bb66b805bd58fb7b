/**
 * Converts a failure inside a Hocuspocus hook into the shape Hocuspocus closes a connection with: a numeric
 * close `code` and a `reason` string. The reason is the error code (CONTRIBUTING.md § Errors), so the client
 * can rebuild the SessionError; unknown failures close with PERSISTENCE_FAILED's retryable code.
 */
import { isSessionError, SessionError } from '../../shared/errors/session-error.ts'

/** An Error carrying a WebSocket close code and reason, plus the SessionError it came from. */
export class CloseError extends Error {
  readonly code: number
  readonly reason: string
  readonly sessionError: SessionError

  /**
   * @param options.quiet for an expected close that needs no log line of its own: the error's message is then empty,
   *   which Hocuspocus' hook runner does not print (it prints a failed hook's message once for every extension from
   *   the one that threw to the last)
   */
  constructor(sessionError: SessionError, options: { readonly quiet?: boolean } = {}) {
    super(options.quiet === true ? '' : sessionError.message, { cause: sessionError })
    this.name = 'CloseError'
    this.code = sessionError.closeCode
    this.reason = sessionError.code
    this.sessionError = sessionError
  }

  /** One line when logged: Hocuspocus prints every hook failure with console.error. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `CloseError ${this.reason} (${this.code}): ${this.sessionError.message} ${JSON.stringify(this.sessionError.details)}`
  }
}

/** Wraps any thrown value as a CloseError (a CloseError stays as it is; non-SessionErrors become PERSISTENCE_FAILED). */
export function toCloseError(error: unknown): CloseError {
  if (error instanceof CloseError) return error
  const sessionError = isSessionError(error)
    ? error
    : new SessionError('PERSISTENCE_FAILED', 'internal failure while handling an update', { cause: error })
  return new CloseError(sessionError)
}

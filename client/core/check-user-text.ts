/**
 * Pre-check of user text (PROTOCOL.md §10.1): a user message or steer longer than the server's `maxUserTextChars`
 * would close the connection with TEXT_TOO_LONG, which is not retryable; refusing it before the write keeps the
 * document and the connection healthy.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import type { WriteLimits } from '../../shared/limits/session-limits.ts'

/**
 * Throws unless `text` fits `limits.maxUserTextChars` (counted in UTF-16 code units, like the server's Y.Text length).
 * @throws SessionError TEXT_TOO_LONG with details `{ limit, length }`
 */
export function checkUserText(text: string, limits: WriteLimits): void {
  if (text.length <= limits.maxUserTextChars) return
  throw new SessionError(
    'TEXT_TOO_LONG',
    `a text of ${text.length} characters is over the limit of ${limits.maxUserTextChars}`,
    {
      details: { limit: limits.maxUserTextChars, length: text.length },
    },
  )
}

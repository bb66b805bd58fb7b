/**
 * The close a server sends when it ends a connection with an error code (PROTOCOL.md §5): the code's close code from
 * `ERROR_CODES` and the code itself as reason. Tests compare a socket's close event with it instead of spelling the
 * numbers.
 */
import { ERROR_CODES, type ErrorCode } from '../../shared/errors/error-codes.ts'

/** `{ code, reason }` of a close with `code`. */
export function closeFor(code: ErrorCode): { code: number; reason: ErrorCode } {
  return { code: ERROR_CODES[code].closeCode, reason: code }
}

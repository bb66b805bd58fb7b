/**
 * Programmer-error checks. These are never caught and never carry an error code: a failed assert is a bug.
 */

/** Throws when `condition` is false. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`)
}

/**
 * watchDecision: lets a StreamStore tell a failure of the decision it runs from a failure of its own storage. What
 * `decide` throws (a refusal, or a bug in deriving a change) is rethrown as it is; only what the database throws is a
 * PERSISTENCE_FAILED (StreamStore.change).
 */
import type { StreamDecision } from './stream-store.ts'

/** `decide`, wrapped, and what it threw when it threw. */
export interface WatchedDecision {
  readonly decide: StreamDecision
  /** The value `decide` threw, boxed; undefined when it did not throw. */
  thrown(): { readonly error: unknown } | undefined
}

/** Wraps `decide` to remember what it throws. */
export function watchDecision(decide: StreamDecision): WatchedDecision {
  let thrown: { readonly error: unknown } | undefined
  return {
    decide(current) {
      try {
        return decide(current)
      } catch (error) {
        thrown = { error }
        throw error
      }
    },
    thrown: () => thrown,
  }
}

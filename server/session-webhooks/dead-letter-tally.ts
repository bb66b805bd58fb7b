/**
 * The number of stored session webhook dead letters (PROTOCOL.md §9.12) as this node knows it, kept so that a scrape
 * of `lifeline_webhook_dead_letters` costs nothing: the count of every cursor record that holds dead letters, set
 * from each cursor this node stores or reads (its own changes, and other nodes' changes it hears of), zeroed when it
 * deletes a cursor, and rebuilt from the store once at start. Cursors without dead letters take no memory.
 */

/** The tally of one node. */
export interface DeadLetterTally {
  /** Dead letters of every cursor known to hold some. */
  readonly total: number
  /** Records that the cursor at `path` holds `count` dead letters (0 once it is deleted). */
  set(path: string, count: number): void
  /** Forgets the cursors whose store path starts with `prefix` (an endpoint deleted with its cursors). */
  forget(prefix: string): void
}

/** Creates an empty tally. */
export function createDeadLetterTally(): DeadLetterTally {
  const counts = new Map<string, number>()
  let total = 0
  const set = (path: string, count: number): void => {
    total += count - (counts.get(path) ?? 0)
    if (count > 0) counts.set(path, count)
    else counts.delete(path)
  }
  return {
    get total() {
      return total
    },
    set,
    forget(prefix) {
      for (const path of counts.keys()) if (path.startsWith(prefix)) set(path, 0)
    },
  }
}

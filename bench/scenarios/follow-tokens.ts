/**
 * followTokens: turns a viewer's reply length into how many numbered tokens (shared/testing/token-stream.ts) it
 * holds, and reports that to an ArrivalTracker, stamped with performance.now().
 */
import type { ArrivalTracker } from '../arrival-tracker.ts'

/** Returns the `onLength` callback of viewer `viewer`, which marks its tokens arrived in `tracker`. */
export function followTokens(tracker: ArrivalTracker, viewer: number, ends: Int32Array): (length: number) => void {
  return (length) => {
    let count = tracker.received(viewer)
    while (count < ends.length && (ends[count] ?? Number.POSITIVE_INFINITY) <= length) count++
    tracker.markReceived(viewer, count, performance.now())
  }
}

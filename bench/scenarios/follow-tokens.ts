/**
 * followTokens: turns a viewer's reply length into how many numbered tokens (shared/testing/token-stream.ts) it
 * holds, and reports that to an ArrivalTracker, stamped with performance.now().
 */
import { tokenAt } from '../../shared/testing/token-stream.ts'
import type { ArrivalTracker } from '../arrival-tracker.ts'

/** End offset in the reply text of each of the first `count` numbered tokens. */
export function tokenEndOffsets (count: number): Int32Array {
  const ends = new Int32Array(count)
  let offset = 0
  for (let index = 0; index < count; index++) {
    offset += tokenAt(index).length
    ends[index] = offset
  }
  return ends
}

/** Returns the `onLength` callback of viewer `viewer`, which marks its tokens arrived in `tracker`. */
export function followTokens (tracker: ArrivalTracker, viewer: number, ends: Int32Array): (length: number) => void {
  return (length) => {
    let count = tracker.received(viewer)
    while (count < ends.length && (ends[count] ?? Number.POSITIVE_INFINITY) <= length) count++
    tracker.markReceived(viewer, count, performance.now())
  }
}

/**
 * Pre-check of update size (PROTOCOL.md §10.1): a write whose Yjs update is larger than the server's
 * `maxUpdateBytes` would close the connection with UPDATE_TOO_LARGE, which is not retryable. The write is measured by
 * doing it on an empty scratch document first; the real document is not touched.
 */
import * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'

/**
 * Bytes the same write may take more in the session than in the empty scratch document: references to the entry
 * before it (a clientID and a clock, at most 5 + 8 bytes as varUints) and larger clocks of the writer's own structs.
 */
const UPDATE_SLACK_BYTES = 64

/**
 * Throws when `write`, done on an empty document, produces an update that may not fit `maxUpdateBytes`.
 * @param what names the write in the error message, e.g. `message`
 * @throws SessionError UPDATE_TOO_LARGE with details `{ limit, bytes }` (bytes as measured, slack included)
 */
export function checkUpdateSize(write: (scratch: Y.Doc) => void, maxUpdateBytes: number, what: string): void {
  const scratch = new Y.Doc()
  try {
    let bytes = UPDATE_SLACK_BYTES
    scratch.on('update', (update: Uint8Array) => {
      bytes += update.byteLength
    })
    scratch.transact(() => {
      write(scratch)
    })
    if (bytes <= maxUpdateBytes) return
    throw new SessionError(
      'UPDATE_TOO_LARGE',
      `this ${what} would be an update of about ${bytes} bytes, over the limit of ${maxUpdateBytes}`,
      {
        details: { limit: maxUpdateBytes, bytes },
      },
    )
  } finally {
    scratch.destroy()
  }
}

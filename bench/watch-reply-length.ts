/**
 * Reply-length watching for the stream benches: a viewer holds token i once its copy of the reply text reaches
 * the end offset of token i (followTokens in scenarios/follow-tokens.ts turns lengths into arrivals).
 */
import * as Y from 'yjs'
import type { SessionClient } from '../client/core/session-client.ts'
import { getSessionRoots } from '../shared/session/session-doc.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'

/** End offset in the reply text of each numbered token. */
export function tokenEndOffsets(count: number): Int32Array {
  const ends = new Int32Array(count)
  let offset = 0
  for (let index = 0; index < count; index++) {
    offset += tokenAt(index).length
    ends[index] = offset
  }
  return ends
}

/**
 * Calls `onLength` with the length of the session's assistant reply after every transaction on the client's
 * document. Reads only the lengths of the reply's Y.Text parts, never the text itself.
 */
export function watchReplyLength(client: SessionClient, onLength: (length: number) => void): void {
  const { messages } = getSessionRoots(client.doc)
  let reply: Y.Map<unknown> | undefined
  client.on('change', () => {
    reply ??= messages.toArray().find((message) => message.get('role') === 'assistant')
    const parts = reply?.get('parts')
    if (!(parts instanceof Y.Array)) return
    let length = 0
    for (const part of parts) {
      const text = part instanceof Y.Map ? part.get('text') : undefined
      if (text instanceof Y.Text) length += text.length
    }
    onLength(length)
  })
}

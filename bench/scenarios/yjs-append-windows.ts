/**
 * yjsAppendWindows: the Y.Text contrast of the long-message scenario, in this process without a network. A
 * writer document appends numbered tokens in transactions of `batchChars` characters (1 = one insert per token)
 * with `append`, and every update is applied to a replica document, as a server and a viewer would. Returns the
 * time at which the replica held each token.
 */
import * as Y from 'yjs'
import { tokenAt } from '../../shared/testing/token-stream.ts'

/** How the writer appends a batch of text to its document. */
export type YjsAppend = (doc: Y.Doc, text: string) => void

/** Appends `tokens` tokens; returns when the replica held each one (performance.now()) and when the first was appended. */
export function yjsAppendWindows(
  tokens: number,
  batchChars: number,
  append: YjsAppend,
): { arrivals: Float64Array; startedAt: number } {
  const writer = new Y.Doc()
  const replica = new Y.Doc()
  writer.on('update', (update: Uint8Array) => {
    Y.applyUpdate(replica, update)
  })
  const arrivals = new Float64Array(tokens)
  const startedAt = performance.now()
  let batch = ''
  let batchStart = 0
  for (let index = 0; index < tokens; index++) {
    batch += tokenAt(index)
    if (batch.length < batchChars && index < tokens - 1) continue
    append(writer, batch)
    arrivals.fill(performance.now(), batchStart, index + 1)
    batch = ''
    batchStart = index + 1
  }
  return { arrivals, startedAt }
}

/**
 * A stand-in for a whole session when a fuzz connection writes a new list entry: an update holding only the last
 * entry of one root list, under the entry's real ID, and the writer's clientID up to its clock — every other clock as
 * a GC placeholder. An entry appended to a document made from it names that entry as its left neighbour and continues
 * the writer's clock, exactly as one appended to the whole session would, so a fresh update costs the same at any
 * session size.
 */
import * as encoding from 'lib0/encoding'
import type * as Y from 'yjs'

/** Yjs v1 encoding constants: struct info bits and content/type references. */
const GC_INFO = 0
const CONTENT_TYPE_INFO = 7
const PARENT_IS_ROOT_NAME = 1
const Y_MAP_TYPE_REF = 1

/** The update for list `root` whose last entry is `anchor` (none: an empty list), with `writer`'s clocks below `writer.clock` taken. */
export function listTailUpdate(
  anchor: Y.ID | undefined,
  root: string,
  writer: { readonly clientId: number; readonly clock: number },
): Uint8Array {
  const clients: Array<(encoder: encoding.Encoder) => void> = []
  if (anchor !== undefined) {
    const end = anchor.client === writer.clientId ? Math.max(writer.clock, anchor.clock + 1) : anchor.clock + 1
    clients.push((encoder) => {
      const structs = (anchor.clock > 0 ? 1 : 0) + 1 + (end > anchor.clock + 1 ? 1 : 0)
      writeClientStart(encoder, anchor.client, structs)
      if (anchor.clock > 0) writePlaceholder(encoder, anchor.clock)
      encoding.writeUint8(encoder, CONTENT_TYPE_INFO) // no neighbours, no parent key: the parent follows
      encoding.writeVarUint(encoder, PARENT_IS_ROOT_NAME)
      encoding.writeVarString(encoder, root)
      encoding.writeVarUint(encoder, Y_MAP_TYPE_REF)
      if (end > anchor.clock + 1) writePlaceholder(encoder, end - anchor.clock - 1)
    })
  }
  if (writer.clock > 0 && anchor?.client !== writer.clientId) {
    clients.push((encoder) => {
      writeClientStart(encoder, writer.clientId, 1)
      writePlaceholder(encoder, writer.clock)
    })
  }
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, clients.length)
  for (const write of clients) write(encoder)
  encoding.writeVarUint(encoder, 0) // no deletes
  return encoding.toUint8Array(encoder)
}

function writeClientStart(encoder: encoding.Encoder, client: number, structs: number): void {
  encoding.writeVarUint(encoder, structs)
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, 0) // from clock 0
}

function writePlaceholder(encoder: encoding.Encoder, length: number): void {
  encoding.writeUint8(encoder, GC_INFO)
  encoding.writeVarUint(encoder, length)
}

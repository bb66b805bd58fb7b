/**
 * How many new entries an inbound update would add to the session's `messages` and `steering` lists (PROTOCOL.md
 * §10.5): items of the update the document does not hold yet that are shared types placed directly in one of those
 * lists. Text streamed into a message, edits inside an entry and structs the session already has count nothing, so
 * an agent's token runs are not messages; its reply is one.
 */
import * as Y from 'yjs'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import { decodeInboundUpdate } from '../governance/decoded-update.ts'
import { createStructLocator } from '../governance/struct-locator.ts'

/** New list entries of one update (or one HTTP append). */
export interface NewEntries {
  readonly messages: number
  readonly steers: number
}

/** No new entries. */
export const NO_NEW_ENTRIES: NewEntries = { messages: 0, steers: 0 }

/**
 * Counts the new entries `update` would add to `doc`, which does not hold it yet.
 * @throws Error when the update does not decode (the caller leaves its refusal to the update checks)
 */
export function countNewEntries(doc: Y.Doc, update: Uint8Array): NewEntries {
  const decoded = decodeInboundUpdate(update)
  let locator: ReturnType<typeof createStructLocator> | undefined
  let messages = 0
  let steers = 0
  for (const [client, structs] of decoded.byClient) {
    const state = Y.getState(doc.store, client)
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentType) || struct.id.clock < state) continue
      locator ??= createStructLocator(doc, decoded)
      const location = locator.locate({ item: struct, inDoc: false })
      if (location.kind !== 'placed' || location.path.length !== 1 || location.path[0]?.key !== null) continue
      if (location.root === SESSION_ROOTS.MESSAGES) messages++
      else if (location.root === SESSION_ROOTS.STEERING) steers++
    }
  }
  return messages === 0 && steers === 0 ? NO_NEW_ENTRIES : { messages, steers }
}

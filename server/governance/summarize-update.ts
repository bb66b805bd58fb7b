/**
 * The audit summary of an inbound update that is not applied yet: the session entries its new items and its
 * deletes touch (update-summary-builder.ts). Governance calls it with the update it already decoded and located;
 * without auth the durable log calls it with the update it decoded for its no-op check.
 */
import * as Y from 'yjs'
import type { UpdateSummary } from '../persistence/update-log.ts'
import type { DecodedUpdate } from './decoded-update.ts'
import { liveItemsIn } from './live-items-in.ts'
import type { Locator } from './struct-locator.ts'
import { createUpdateSummaryBuilder } from './update-summary-builder.ts'

/** Summarises `update` against `doc`, which does not hold it yet; `locator` must cover both. */
export function summarizeUpdate(doc: Y.Doc, update: DecodedUpdate, locator: Locator): UpdateSummary {
  const builder = createUpdateSummaryBuilder()
  for (const [client, structs] of update.byClient) {
    const state = Y.getState(doc.store, client)
    for (const struct of structs) {
      if (struct instanceof Y.Item && struct.id.clock + struct.length > state)
        builder.add(locator.locate({ item: struct, inDoc: false }))
    }
  }
  for (const range of update.deletes) {
    const end = Math.min(range.clock + range.len, Y.getState(doc.store, range.client))
    for (const item of liveItemsIn(doc, range.client, range.clock, end))
      builder.add(locator.locate({ item, inDoc: true }))
  }
  return builder.build()
}

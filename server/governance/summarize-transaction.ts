/**
 * The audit summary of a server-side change (run lease, session init), taken from its finished transaction:
 * the session entries of the items it inserted and deleted.
 */
import * as Y from 'yjs'
import { forEachInsertedItem } from '../../shared/session/for-each-inserted-item.ts'
import type { UpdateSummary } from '../persistence/update-log.ts'
import { createStructLocator } from './struct-locator.ts'
import { createUpdateSummaryBuilder } from './update-summary-builder.ts'

/** Summarises `transaction` (call from `afterTransaction`, when its items are in the document). */
export function summarizeTransaction(transaction: Y.Transaction): UpdateSummary {
  const { doc } = transaction
  const locator = createStructLocator(doc)
  const builder = createUpdateSummaryBuilder()
  forEachInsertedItem(transaction, (item) => {
    builder.add(locator.locate({ item, inDoc: true }))
  })
  Y.iterateDeletedStructs(transaction, transaction.deleteSet, (struct) => {
    if (struct instanceof Y.Item) builder.add(locator.locate({ item: struct, inDoc: true }))
  })
  return builder.build()
}

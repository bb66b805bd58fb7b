/**
 * Hand-over of audit summaries from governance to the durable log. Both extensions receive the same inbound
 * update bytes (one `beforeSync` payload object, passed to each hook in turn), so governance, which already
 * decoded and located the update, files its summary under those bytes and the durable log takes it when it
 * appends. Keys are held weakly: a summary never outlives its message.
 */
import type { UpdateSummary } from '../persistence/update-log.ts'

/** Summaries of accepted inbound updates, keyed by the update's bytes (object identity). */
export const inspectedSummaries = new WeakMap<Uint8Array, UpdateSummary>()

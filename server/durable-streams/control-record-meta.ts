/**
 * The store record of server state kept beside the streams (subscriptions, the webhook signing key, session webhook
 * endpoints and cursors): a closed, empty JSON "stream" whose metadata carries `state`.
 */
import type { StreamMeta } from './stream-store.ts'

/** The record holding `state` at `path`, created at `createdAtMs` and last written at `touchedAtMs`. */
export function controlRecordMeta(
  path: string,
  state: unknown,
  createdAtMs: number,
  touchedAtMs = createdAtMs,
): StreamMeta {
  return {
    path,
    contentType: 'application/json',
    closed: true,
    createdAtMs,
    touchedAtMs,
    messageCount: 0,
    byteCount: 0,
    producers: {},
    state,
  }
}

/**
 * The registry of session webhook endpoints (PROTOCOL.md §9.12): endpoints from the server options and from the
 * admin API, stored in the stream store so every node and every restart delivers to the same set. Adding an endpoint
 * first gives every existing session a cursor at its end, so the endpoint receives what happens from then on;
 * sessions created later are followed from their first event.
 */
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { controlRecordMeta } from '../durable-streams/control-record-meta.ts'
import type { StreamStore } from '../durable-streams/stream-store.ts'
import type { WebhookEndpoint } from './parse-webhook-endpoint.ts'
import {
  CURSOR_RECORD_PREFIX,
  cursorRecordPath,
  ENDPOINT_RECORD_PREFIX,
  endpointRecordPath,
  type WebhookCursor,
  type WebhookEndpointRecord,
} from './webhook-records.ts'

/** The endpoints known to this node. */
export interface WebhookEndpoints {
  all(): readonly WebhookEndpointRecord[]
  get(id: string): WebhookEndpointRecord | undefined
  /** Stores the endpoints of the server options (new ones after a backfill) and loads every stored endpoint. */
  load(configured: readonly WebhookEndpoint[]): Promise<void>
  /** Stores a new endpoint after giving existing sessions a cursor at their end. */
  add(endpoint: WebhookEndpoint, source: WebhookEndpointRecord['source']): Promise<WebhookEndpointRecord>
  /** Deletes an endpoint and its cursors; false when there was none. */
  remove(id: string): Promise<boolean>
  /** Re-reads one endpoint after another node changed it. */
  refresh(id: string): Promise<void>
  /** The endpoint as the store holds it now; forgets it when another node deleted it. */
  stored(id: string): Promise<WebhookEndpointRecord | undefined>
}

/** Creates the registry over `store`. */
export function createWebhookEndpoints(store: StreamStore, now: () => number): WebhookEndpoints {
  const known = new Map<string, WebhookEndpointRecord>()
  const read = async (id: string): Promise<WebhookEndpointRecord | undefined> =>
    (await store.get(endpointRecordPath(id)))?.state as WebhookEndpointRecord | undefined

  const backfill = async (endpointId: string): Promise<void> => {
    for (const streamPath of await store.list(SESSION_STREAM_NAMESPACE)) {
      const sessionId = streamPath.slice(SESSION_STREAM_NAMESPACE.length)
      const path = cursorRecordPath(endpointId, sessionId)
      const stream = await store.get(streamPath)
      if (stream === undefined) continue
      await store.change(path, (meta) => {
        if (meta !== undefined) return undefined
        const cursor: WebhookCursor = {
          endpointId,
          sessionId,
          streamCreatedAtMs: stream.createdAtMs,
          delivered: stream.messageCount,
          attempts: 0,
          replay: [],
          deadLetters: [],
        }
        return { meta: controlRecordMeta(path, cursor, now()), messages: [] }
      })
    }
  }

  const save = async (record: WebhookEndpointRecord): Promise<void> => {
    await store.change(endpointRecordPath(record.id), () => ({
      meta: controlRecordMeta(endpointRecordPath(record.id), record, now()),
      messages: [],
    }))
    known.set(record.id, record)
  }

  return {
    all: () => [...known.values()],
    get: (id) => known.get(id),
    async load(configured) {
      for (const endpoint of configured) {
        const stored = await read(endpoint.id)
        if (stored === undefined) {
          await backfill(endpoint.id)
          await save({ ...endpoint, source: 'options', createdAtMs: now() })
        } else if (
          stored.url !== endpoint.url ||
          stored.secret !== endpoint.secret ||
          stored.kinds.join() !== endpoint.kinds.join()
        ) {
          await save({ ...stored, ...endpoint, source: 'options' })
        }
      }
      for (const path of await store.list(ENDPOINT_RECORD_PREFIX))
        await this.refresh(path.slice(ENDPOINT_RECORD_PREFIX.length))
    },
    async add(endpoint, source) {
      await backfill(endpoint.id)
      const record: WebhookEndpointRecord = { ...endpoint, source, createdAtMs: now() }
      await save(record)
      return record
    },
    async remove(id) {
      const existed = await store.delete(endpointRecordPath(id))
      known.delete(id)
      for (const path of await store.list(`${CURSOR_RECORD_PREFIX}${id}/`)) await store.delete(path)
      return existed
    },
    async refresh(id) {
      const record = await read(id)
      if (record === undefined) known.delete(id)
      else known.set(id, record)
    },
    async stored(id) {
      const record = await read(id)
      if (record === undefined) known.delete(id)
      return record
    },
  }
}

/**
 * The decision, taken on the stored cursor inside the store's transaction, of what a node does next for one session
 * and one endpoint (PROTOCOL.md §9.12): deliver (under a lease it now holds, so no other node delivers the session to
 * the endpoint meanwhile), wait (for another node's lease or a scheduled retry), or nothing (all delivered). A cursor
 * that does not exist yet, or follows a session deleted since, starts at the session's first event: sessions that
 * existed when the endpoint was added got a cursor at their end then.
 */
import type { WebhookCursor } from './webhook-records.ts'

/** What {@link nextWebhookWork} decides on. */
export interface WebhookWorkInput {
  readonly endpointId: string
  readonly sessionId: string
  /** The session stream as stored now. */
  readonly stream: { readonly createdAtMs: number; readonly messageCount: number }
  /** This node. */
  readonly holder: string
  /** The id of the lease this claim would take. */
  readonly leaseId: string
  readonly nowMs: number
  readonly leaseMs: number
}

/** The decision; `cursor` is the record to store (the one given when nothing changes). */
export type WebhookWork =
  | { readonly kind: 'deliver'; readonly cursor: WebhookCursor }
  | { readonly kind: 'wait'; readonly untilMs: number; readonly cursor: WebhookCursor | undefined }
  | { readonly kind: 'idle'; readonly cursor: WebhookCursor | undefined }

/** Decides the next work for the cursor `current` (undefined when none is stored). */
export function nextWebhookWork(current: WebhookCursor | undefined, input: WebhookWorkInput): WebhookWork {
  const { stream, nowMs } = input
  const base: WebhookCursor | undefined =
    current === undefined || current.streamCreatedAtMs !== stream.createdAtMs
      ? stream.messageCount === 0
        ? undefined
        : {
            endpointId: input.endpointId,
            sessionId: input.sessionId,
            streamCreatedAtMs: stream.createdAtMs,
            delivered: 0,
            attempts: 0,
            replay: [],
            deadLetters: [],
          }
      : current
  if (base === undefined) return { kind: 'idle', cursor: current }
  const lease = base.lease
  if (lease !== undefined && lease.holder !== input.holder && lease.expiresAtMs > nowMs)
    return { kind: 'wait', untilMs: lease.expiresAtMs, cursor: base }
  const free = lease === undefined ? base : withoutLease(base)
  if (free.replay.length === 0 && free.delivered >= stream.messageCount) return { kind: 'idle', cursor: free }
  if (free.nextAttemptAtMs !== undefined && free.nextAttemptAtMs > nowMs)
    return { kind: 'wait', untilMs: free.nextAttemptAtMs, cursor: free }
  return {
    kind: 'deliver',
    cursor: { ...free, lease: { holder: input.holder, id: input.leaseId, expiresAtMs: nowMs + input.leaseMs } },
  }
}

/** `cursor` without its lease. */
export function withoutLease(cursor: WebhookCursor): WebhookCursor {
  const { lease: _lease, ...rest } = cursor
  return rest
}

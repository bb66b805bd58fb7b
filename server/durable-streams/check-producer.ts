/**
 * The idempotent-producer state machine of Durable Streams (PROTOCOL.md §9.4): decides whether a batch
 * `(id, epoch, seq)` is new, a duplicate, or refused, given the producer's last accepted batch.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import type { ProducerState } from './stream-store.ts'

/** The producer headers of one request. */
export interface ProducerBatch {
  readonly id: string
  readonly epoch: number
  readonly seq: number
}

/** `accept`: apply the batch and store `state`; `duplicate`: already applied, answer without applying. */
export type ProducerDecision =
  | { readonly kind: 'accept'; readonly state: ProducerState }
  | { readonly kind: 'duplicate'; readonly state: ProducerState }

/**
 * Decides on `batch` given the producer's stored state (undefined for a new producer).
 * @throws SessionError PRODUCER_FENCED (stale epoch, 403), PRODUCER_SEQ_GAP (409), BAD_REQUEST (new epoch not at 0)
 */
export function checkProducer(stored: ProducerState | undefined, batch: ProducerBatch): ProducerDecision {
  const { epoch, seq } = batch
  if (stored !== undefined && epoch < stored.epoch) {
    throw new SessionError('PRODUCER_FENCED', `producer ${batch.id} epoch ${epoch} is older than ${stored.epoch}`, {
      details: { headers: { [STREAM_HEADERS.PRODUCER_EPOCH]: String(stored.epoch) } },
    })
  }
  if (stored === undefined || epoch > stored.epoch) {
    if (seq !== 0) {
      if (stored === undefined) throw gap(batch, 0)
      throw new SessionError('BAD_REQUEST', `a new producer epoch must start at seq 0, got ${seq}`)
    }
    return { kind: 'accept', state: { epoch, seq } }
  }
  if (seq <= stored.seq) return { kind: 'duplicate', state: stored }
  if (seq === stored.seq + 1) return { kind: 'accept', state: { epoch, seq } }
  throw gap(batch, stored.seq + 1)
}

function gap(batch: ProducerBatch, expected: number): SessionError {
  return new SessionError('PRODUCER_SEQ_GAP', `producer ${batch.id} sent seq ${batch.seq}, expected ${expected}`, {
    details: {
      headers: {
        [STREAM_HEADERS.PRODUCER_EXPECTED_SEQ]: String(expected),
        [STREAM_HEADERS.PRODUCER_RECEIVED_SEQ]: String(batch.seq),
      },
    },
  })
}

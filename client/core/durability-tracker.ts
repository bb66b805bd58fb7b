/**
 * Knows whether every local change is durable on the server. The server applies an update only after it is in
 * the log (PROTOCOL.md §3.1), so its state vector counts durable content. A connection processes frames in
 * order, so the sync step 1 the server sends in answer to a probe covers every update sent before the probe.
 * This is exact where the provider's unsynced counter is not: the counter is reset on reconnect while queued
 * updates are still being acknowledged, so it can reach 0 with changes in flight.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { writeSyncStep1 } from 'y-protocols/sync'
import * as Y from 'yjs'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'

/** Hocuspocus frame types that carry y-protocols sync messages. */
const SYNC_FRAME_TYPES = new Set<number>([MESSAGE_TYPE.SYNC, MESSAGE_TYPE.SYNC_REPLY])

/** Tracks the server's durable state vector for one document. */
export interface DurabilityTracker {
  /** True when the last server state vector covers every change in the local document. */
  isDurable(): boolean
  /** The last state vector the server reported on this connection, or undefined since the last reset. */
  serverStateVector(): ReadonlyMap<number, number> | undefined
  /** Reads an incoming frame; returns true when it was a server sync step 1 (a new server state vector). */
  handleIncoming(frame: Uint8Array): boolean
  /** Sends a sync step 1 unless one is already awaiting its answer. */
  probe(): void
  /** Forgets the server state (call on disconnect: a restarted server may hold less). */
  reset(): void
}

/** Creates a tracker; `send` writes a frame to the current connection. */
export function createDurabilityTracker(options: {
  doc: Y.Doc
  documentName: () => string
  send: (frame: Uint8Array) => void
}): DurabilityTracker {
  let serverStateVector: Map<number, number> | undefined
  let probing = false

  return {
    isDurable() {
      if (serverStateVector === undefined) return false
      for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(options.doc))) {
        if ((serverStateVector.get(client) ?? 0) < clock) return false
      }
      return true
    },
    serverStateVector: () => serverStateVector,
    handleIncoming(frame) {
      const decoder = decoding.createDecoder(frame)
      decoding.readVarString(decoder)
      if (!SYNC_FRAME_TYPES.has(decoding.readVarUint(decoder))) return false
      if (decoding.readVarUint(decoder) !== SYNC_MESSAGE_TYPE.STEP1) return false
      serverStateVector = Y.decodeStateVector(decoding.readVarUint8Array(decoder))
      probing = false
      return true
    },
    probe() {
      if (probing) return
      probing = true
      const encoder = encoding.createEncoder()
      encoding.writeVarString(encoder, options.documentName())
      encoding.writeVarUint(encoder, MESSAGE_TYPE.SYNC)
      writeSyncStep1(encoder, options.doc)
      options.send(encoding.toUint8Array(encoder))
    },
    reset() {
      serverStateVector = undefined
      probing = false
    },
  }
}

/**
 * StreamStore: durable storage of Durable Streams (PROTOCOL.md §9). A stream is a metadata record plus its
 * messages in order. `change` reads a stream's metadata and writes the new record a decision derives from it,
 * together with new messages, in one transaction, so producer state, closure and content are always durable together
 * and server nodes sharing a store never decide on a stale record. Validation lives in stream-service.ts (the
 * decisions); a store only stores.
 */

/** Last accepted batch of one idempotent producer. */
export interface ProducerState {
  readonly epoch: number
  readonly seq: number
}

/** The point a fork was taken at: after `messages` messages of `source`, plus `subOffset` bytes (or JSON messages). */
export interface ForkOrigin {
  readonly source: string
  readonly messages: number
  readonly subOffset: number
}

/** Everything a stream knows about itself besides its messages. */
export interface StreamMeta {
  /** The stream's path below the route prefix, e.g. `chat/42`. */
  readonly path: string
  /** Content type given at creation, e.g. `application/json`. */
  readonly contentType: string
  /** Sliding time to live in seconds, if any. */
  readonly ttlSeconds?: number
  /** Absolute expiry as given (RFC 3339), if any. */
  readonly expiresAt?: string
  readonly closed: boolean
  /** The producer batch that closed the stream, so its retry is recognised as a duplicate. */
  readonly closedBy?: { readonly producerId: string; readonly epoch: number; readonly seq: number }
  /** Epoch milliseconds of creation. */
  readonly createdAtMs: number
  /** Epoch milliseconds of the last read or write (drives the sliding TTL). */
  readonly touchedAtMs: number
  /** Messages stored so far. */
  readonly messageCount: number
  /** Bytes stored so far. */
  readonly byteCount: number
  /** Highest `Stream-Seq` accepted, if writers use it. */
  readonly lastStreamSeq?: string
  readonly producers: Readonly<Record<string, ProducerState>>
  /** Where a fork's inherited prefix came from (PROTOCOL.md §9.5); compared on an idempotent re-create. */
  readonly fork?: ForkOrigin
  /** Live forks of this stream; a stream with forks is only soft-deleted. */
  readonly forkCount?: number
  /** Deleted while forks still existed: answers 410 until the last fork is deleted, then is removed. */
  readonly softDeleted?: boolean
  /** Owner-defined state committed with the messages (the session event projection, session-event-projection.ts). */
  readonly state?: unknown
}

/** One stored message; `messages` and `bytes` give the stream position just after it. */
export interface StreamMessage {
  /** 1-based index of the message in its stream. */
  readonly index: number
  /** Bytes stored up to and including this message. */
  readonly byteEnd: number
  readonly data: Uint8Array
}

/** What a decision commits: the stream's new metadata and the messages to append with it. */
export interface StreamChange {
  /** The new record; `messageCount` and `byteCount` already count `messages`. */
  readonly meta: StreamMeta
  readonly messages: readonly Uint8Array[]
}

/**
 * Derives a change from a stream's current metadata (undefined when there is no such stream); undefined commits
 * nothing. Synchronous, so it runs inside the store's transaction; a SessionError it throws is rethrown as it is.
 */
export type StreamDecision = (current: StreamMeta | undefined) => StreamChange | undefined

/** The storage contract implemented by every backend (describeStreamStoreContract). */
export interface StreamStore {
  /** The metadata of `path`, or undefined when there is no such stream. */
  get(path: string): Promise<StreamMeta | undefined>
  /**
   * Runs `decide` on the stored metadata of `path` and commits its change (replacing the record and appending the
   * messages after the stored ones) in one transaction; changes of one path are serialised, also across server nodes
   * sharing the store. Resolves with the committed change, or undefined when `decide` returned none.
   * @throws SessionError PERSISTENCE_FAILED, or what `decide` threw
   */
  change(path: string, decide: StreamDecision): Promise<StreamChange | undefined>
  /** Messages with index > afterIndex in order, at most `maxBytes` in total but at least one when any exists. */
  read(path: string, afterIndex: number, maxBytes: number): Promise<StreamMessage[]>
  /** Paths of the stored streams that start with `prefix`, in ascending order (subscription backfill, PROTOCOL.md §9.10). */
  list(prefix: string): Promise<string[]>
  /** Removes the stream and its messages; resolves false when it did not exist. */
  delete(path: string): Promise<boolean>
  /**
   * Calls `listener` with the path of each change committed through another instance of a store shared by several
   * processes (server nodes), so their waiting readers wake; absent on stores one process owns. Returns an unsubscribe.
   */
  watch?(listener: (path: string) => void): () => void
  /** Releases files and connections. */
  close(): Promise<void>
}

/**
 * BenchSystem: the small common driver every compared system implements for the benchmark suite. A system's
 * server runs in a child process (see start-system-server.ts); its driver, in the bench process, opens producers
 * (one agent streaming one reply) and viewers (clients that report how much of the reply text they hold).
 */

/**
 * Names of the compared systems, in table column order; `lifeline` is every ratio's numerator. `lifeline-window`
 * is Lifeline with the reply writer's fixed coalescing window (`flushMode: 'window'`), to compare the two flush
 * modes in one run; `lifeline-policy` is Lifeline whose server runs a no-op message policy (PROTOCOL.md §8.8) with
 * no hold-back, the cost of asking the policy about every token run; `lifeline-policy-hold` the same policy with the
 * default hold-back (the trailing word, at most 64 characters), which delays what viewers see. These run only when
 * `--systems` names them.
 */
export const SYSTEM_NAMES = [
  'raw',
  'hocuspocus',
  'durable-streams',
  'lifeline-window',
  'lifeline-policy',
  'lifeline-policy-hold',
  'lifeline',
] as const

/** Systems that run only when `--systems` names them. */
const OPT_IN_SYSTEMS: readonly SystemName[] = ['lifeline-window', 'lifeline-policy', 'lifeline-policy-hold']

/** The systems a run compares unless `--systems` says otherwise. */
export const DEFAULT_SYSTEMS: readonly SystemName[] = SYSTEM_NAMES.filter((system) => !OPT_IN_SYSTEMS.includes(system))

/** One compared system. */
export type SystemName = (typeof SYSTEM_NAMES)[number]

/** Column headings of the systems. */
export const SYSTEM_LABELS: Record<SystemName, string> = {
  raw: 'raw ws relay',
  hocuspocus: 'stock Hocuspocus',
  'durable-streams': 'Durable Streams',
  'lifeline-window': 'Lifeline (30 ms window)',
  'lifeline-policy': 'Lifeline + no-op policy',
  'lifeline-policy-hold': 'Lifeline + no-op policy, 64-char hold-back',
  lifeline: 'Lifeline',
}

/** Writes one reply into a stream (a session, a document, a relay room). */
export interface BenchProducer {
  /** Writes every token of `tokens` in order; resolves once all were handed to the server (and the reply ended). */
  stream(tokens: AsyncIterable<string>): Promise<void>
  /** Updates the last `stream` wrote, for a system whose driver counts them (Lifeline: Yjs updates of the reply). */
  readonly writes?: number
  close(): Promise<void>
}

/** Follows one stream's reply text. */
export interface BenchViewer {
  /** Payload bytes received from the server so far (WebSocket messages or HTTP bodies). */
  readonly bytesReceived: number
  /** Drops the connection, keeping what was received. */
  pause(): void
  /** Reconnects and catches up from what it holds (state vector, offset or character position). */
  resume(): void
  close(): Promise<void>
}

/** The driver of one system, talking to a server started from the same system name. */
export interface BenchSystem {
  readonly name: SystemName
  /** Opens a producer of the stream `streamId` on the server at `url`. */
  openProducer(url: string, streamId: string): Promise<BenchProducer>
  /**
   * Opens a viewer of `streamId`; `onLength` gets the length of the reply text it holds after every change.
   * Resolves once connected (it may still be catching up). `idle`: a viewer left open with nothing to do
   * (the idle-rss scenario), which sends no liveness probes of its own (see {@link ViewerOptions}).
   */
  openViewer(
    url: string,
    streamId: string,
    onLength: (length: number) => void,
    options?: ViewerOptions,
  ): Promise<BenchViewer>
}

/** How a viewer is opened. */
export interface ViewerOptions {
  /**
   * The viewer stays idle: Lifeline's session client runs without its heartbeat (a sync step 1 after every second
   * of silence, which costs the server CPU, not memory), as the peers' clients send no liveness probes either;
   * presence renewals stay on. Default false.
   */
  readonly idle?: boolean
}

/**
 * Acts on steers posted into the session, each exactly once: the agent marks a steer handled in the document
 * (durable, so a restarted agent skips it) before acting on it.
 * - `stop` aborts the targeted reply this agent is writing (or all of them when untargeted): its `signal` fires,
 *   the LLM call stops and the reply ends `stopped`.
 * - `redirect` does the same, then hands the steer to `onSteer` handlers so the agent can answer anew.
 * - `note`, `approve`, `reject` go to `onSteer` handlers.
 * Every reply a steer targets (or, untargeted, every reply being written) is told of it first, for its span.
 * A steer that targets a message belongs to that message's author; an untargeted one to any agent that acts on
 * it. A steer no handler can take waits in the document until one can. Quarantined entries (check-entry.ts) are
 * never acted on. When the session client replaces its document (a refused update was dropped), `moveTo` follows it.
 */
import type * as Y from 'yjs'
import { isSteerEntry } from '../../shared/session/check-entry.ts'
import { findMessage, getSessionRoots, markSteerHandled, readSteer } from '../../shared/session/session-doc.ts'
import type { SteerView } from '../../shared/session/session-schema.ts'
import { insertedItems } from './inserted-items.ts'

/** A reply that can be stopped, and told which steers were taken for it (its span records them). */
export interface Stoppable {
  abort(): void
  steered(steer: Pick<SteerView, 'id' | 'kind'>): void
}

/** Receives a steer this agent took; a rejected promise goes to the dispatcher's `onError`. */
export type SteerHandler = (steer: SteerView) => void | Promise<void>

/** The running dispatcher. */
export interface SteerDispatcher {
  /** Adds a handler (its failures go to `onError`) and delivers steers that were waiting for one. Returns its remover. */
  onSteer(handler: SteerHandler, onError?: (error: unknown) => void): () => void
  /** Dispatches the steers of `doc` from now on (the client's new replica), taking those waiting in it. */
  moveTo(doc: Y.Doc): void
  stop(): void
}

/** Starts dispatching the session's steers for `agentId`; `active` maps message ids to replies being written. */
export function createSteerDispatcher(options: {
  doc: Y.Doc
  agentId: string
  active: ReadonlyMap<string, Stoppable>
  onError: (error: unknown) => void
}): SteerDispatcher {
  const { agentId, active } = options
  let { doc } = options
  let steering = getSessionRoots(doc).steering as Y.Array<unknown>
  const handlers = new Map<SteerHandler, (error: unknown) => void>()

  const handle = (steer: unknown): void => {
    if (!isSteerEntry(steer) || steer.has('handledBy')) return
    const kind = steer.get('kind')
    const target = steer.get('target')
    if (typeof target === 'string' && findMessage(doc, target)?.get('author') !== agentId) return
    if (kind === 'redirect' && handlers.size === 0) return // its text needs a handler to act on
    const writers =
      typeof target === 'string' ? [active.get(target)].filter((writer) => writer !== undefined) : [...active.values()]
    const stops = kind === 'stop' || kind === 'redirect'
    const delivers = kind !== 'stop' && handlers.size > 0
    // A stop for a reply of this agent that is no longer being written has nothing left to do: mark it handled.
    if (!delivers && !(stops && (writers.length > 0 || typeof target === 'string'))) return
    doc.transact(() => {
      markSteerHandled(steer, agentId, Date.now())
    })
    const view = readSteer(steer)
    for (const writer of writers) {
      writer.steered(view)
      if (stops) writer.abort()
    }
    if (!delivers) return
    for (const [handler, onError] of handlers)
      Promise.resolve()
        .then(() => handler(view))
        .catch(onError)
  }

  const observer = (event: Y.YArrayEvent<unknown>): void => {
    insertedItems(event).forEach(handle)
  }
  steering.forEach(handle)
  steering.observe(observer)
  return {
    onSteer(handler, onError = options.onError) {
      handlers.set(handler, onError)
      steering.forEach(handle)
      return () => {
        handlers.delete(handler)
      }
    },
    moveTo(next) {
      steering.unobserve(observer)
      doc = next
      steering = getSessionRoots(next).steering as Y.Array<unknown>
      steering.forEach(handle)
      steering.observe(observer)
    },
    stop() {
      steering.unobserve(observer)
      handlers.clear()
    },
  }
}

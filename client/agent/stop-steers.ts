/**
 * Turns `stop` steers into aborts: a stop that targets a reply this agent is writing aborts that writer's signal
 * (so the LLM call stops and the reply ends `stopped`); a stop without a target stops every reply this agent is
 * writing. Each steer is marked handled in the document, so it is acted on exactly once, across restarts too.
 * A stop for a reply of this agent that is no longer streaming is marked handled with nothing to do.
 */
import type * as Y from 'yjs'
import { findMessage, getSessionRoots, markSteerHandled } from '../../shared/session/session-doc.ts'
import { insertedItems } from './inserted-items.ts'

/** A reply that can be stopped. */
export interface Stoppable {
  abort (): void
}

/** Watches the session's steering for stops; returns the function that stops watching. */
export function watchStopSteers (doc: Y.Doc, agentId: string, active: ReadonlyMap<string, Stoppable>): () => void {
  const { steering } = getSessionRoots(doc)

  const handle = (steer: Y.Map<unknown>): void => {
    if (steer.get('kind') !== 'stop' || steer.has('handledBy')) return
    const target = steer.get('target')
    const writers = typeof target === 'string' ? [active.get(target)].filter((writer) => writer !== undefined) : [...active.values()]
    const ownIdleTarget = typeof target === 'string' && writers.length === 0 && isOwnIdleReply(doc, target, agentId)
    if (writers.length === 0 && !ownIdleTarget) return
    doc.transact(() => { markSteerHandled(steer, agentId, Date.now()) })
    for (const writer of writers) writer.abort()
  }

  const observer = (event: Y.YArrayEvent<Y.Map<unknown>>): void => { insertedItems(event).forEach(handle) }
  steering.forEach(handle)
  steering.observe(observer)
  return () => { steering.unobserve(observer) }
}

function isOwnIdleReply (doc: Y.Doc, messageId: string, agentId: string): boolean {
  const message = findMessage(doc, messageId)
  return message?.get('author') === agentId && message.get('status') !== 'streaming'
}

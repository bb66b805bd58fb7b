/**
 * Random conversations between replicas of one session, for properties of the session order: each step a replica
 * asks a question, answers a message it holds, or receives another replica's state. Replicas only answer what they
 * hold, as people and agents do, so questions always reach a replica before their replies.
 *
 *   fc.property(fc.array(conversationStepArb), (steps) => { playConversation(replicas, steps) })
 */
import fc from 'fast-check'
import * as Y from 'yjs'
import { appendMessage, readMessages } from '../session/session-doc.ts'

/** Replicas a conversation step can name. */
const MAX_REPLICAS = 3

/** One step: `replica` (modulo the replica count) asks, answers message `pick` it holds, or syncs from `pick`. */
export interface ConversationStep {
  readonly replica: number
  readonly kind: 'ask' | 'answer' | 'sync'
  readonly pick: number
}

export const conversationStepArb: fc.Arbitrary<ConversationStep> = fc.record({
  replica: fc.nat(MAX_REPLICAS - 1),
  kind: fc.constantFrom('ask', 'answer', 'sync'),
  pick: fc.nat(),
})

/** Plays `steps` on `replicas` (message ids `m<step>`), calling `afterStep` after each. */
export function playConversation(
  replicas: readonly Y.Doc[],
  steps: readonly ConversationStep[],
  afterStep: () => void = () => {},
): void {
  steps.forEach(({ replica, kind, pick }, step) => {
    const doc = replicas[replica % replicas.length] as Y.Doc
    if (kind === 'sync') {
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(replicas[pick % replicas.length] as Y.Doc))
    } else {
      const held = readMessages(doc)
      const question = kind === 'answer' && held.length > 0 ? held[pick % held.length] : undefined
      appendMessage(doc, {
        id: `m${step}`,
        role: question === undefined ? 'user' : 'assistant',
        author: `r${replica}`,
        status: 'done',
        createdAt: step,
        ...(question === undefined ? {} : { replyTo: question.id }),
      })
    }
    afterStep()
  })
}

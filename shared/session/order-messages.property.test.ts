/**
 * Properties (fast-check) of the session order (order-messages.ts, PROTOCOL.md §11): total (each message exactly
 * once), deterministic, replies after their questions in contiguous blocks, stable when a message nobody answers is
 * added, and identical on replicas that converged, whatever order their updates arrived in.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { testSeed } from '../testing/seeded-random.ts'
import { orderMessages, type OrderedEntry } from './order-messages.ts'
import { conversationStepArb, playConversation } from '../testing/concurrent-conversation.ts'
import { readMessages } from './session-doc.ts'

/** Messages with ids from a small pool, so ids repeat and `replyTo` hits, misses, loops and names itself. */
const messagesArb = fc
  .array(fc.record({ id: fc.integer({ min: 0, max: 12 }), replyTo: fc.option(fc.integer({ min: 0, max: 14 })) }), {
    maxLength: 30,
  })
  .map((drawn) =>
    drawn.map(
      ({ id, replyTo }): OrderedEntry => ({
        id: `m${id}`,
        ...(replyTo === null ? {} : { replyTo: `m${replyTo}` }),
      }),
    ),
  )

/** The question a message follows by the rule, computed independently: undefined for a root. */
function questionOf(messages: readonly OrderedEntry[], index: number): number | undefined {
  const first = (id: string | undefined): number | undefined => {
    const found = id === undefined ? -1 : messages.findIndex((message) => message.id === id)
    return found === -1 ? undefined : found
  }
  const parent = first(messages[index]?.replyTo)
  if (parent === undefined || parent === index) return undefined
  // A chain longer than the list has looped; one that comes back to `index` makes `index` a root.
  let walk: number | undefined = parent
  for (let steps = 0; walk !== undefined && steps <= messages.length; steps++) {
    if (walk === index) return undefined
    const next = first(messages[walk]?.replyTo)
    walk = next === walk ? undefined : next
  }
  return parent
}

describe('orderMessages properties', () => {
  it('holds each message once, after its question, in blocks, with roots and siblings in document order', () => {
    fc.assert(
      fc.property(messagesArb, (messages) => {
        const ordered = orderMessages(messages)
        expect(ordered).toHaveLength(messages.length)
        expect(new Set(ordered)).toEqual(new Set(messages))
        expect(orderMessages([...messages])).toEqual(ordered)
        const position = new Map(ordered.map((message, at) => [message, at]))
        const at = (index: number): number => position.get(messages[index] as OrderedEntry) ?? -1
        const questions = messages.map((_, index) => questionOf(messages, index))
        /** The end (exclusive) of the block a message heads: it and everything that follows it, transitively. */
        const blockEnd = (index: number): number => {
          let end = at(index) + 1
          questions.forEach((parent, child) => {
            if (parent === index) end = Math.max(end, blockEnd(child))
          })
          return end
        }
        questions.forEach((parent, index) => {
          const start = at(index)
          // Its block is contiguous: exactly it and its descendants.
          expect(blockEnd(index) - start).toBe(1 + countDescendants(questions, index))
          if (parent === undefined) return
          expect(start).toBeGreaterThan(at(parent))
          expect(blockEnd(index)).toBeLessThanOrEqual(blockEnd(parent))
        })
        // Messages that share a question (or are roots) keep document order between them.
        for (let a = 0; a < messages.length; a++)
          for (let b = a + 1; b < messages.length; b++)
            if (questions[a] === questions[b]) expect(at(a)).toBeLessThan(at(b))
      }),
      { numRuns: 500, seed: testSeed(20_260_301) },
    )
  })

  it('keeps the order of the others when a message nobody answers is added anywhere', () => {
    fc.assert(
      fc.property(messagesArb, fc.nat(), fc.option(fc.integer({ min: 0, max: 14 })), (messages, slot, replyTo) => {
        const added: OrderedEntry = { id: 'new', ...(replyTo === null ? {} : { replyTo: `m${replyTo}` }) }
        const at = slot % (messages.length + 1)
        const withAdded = [...messages.slice(0, at), added, ...messages.slice(at)]
        expect(orderMessages(withAdded).filter((message) => message !== added)).toEqual(orderMessages(messages))
      }),
      { numRuns: 500, seed: testSeed(20_260_302) },
    )
  })

  it('is the same on replicas that converged, whatever order they received the updates in', () => {
    fc.assert(
      fc.property(fc.array(conversationStepArb, { minLength: 1, maxLength: 25 }), fc.nat(), (steps, shuffleSeed) => {
        const replicas = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
        const updates: Uint8Array[] = []
        for (const doc of replicas) doc.on('update', (update: Uint8Array) => updates.push(update))
        playConversation(replicas, steps)
        for (const to of replicas) for (const from of replicas) Y.applyUpdate(to, Y.encodeStateAsUpdate(from))
        const order = readMessages(replicas[0] as Y.Doc)
        for (const doc of replicas) expect(readMessages(doc)).toEqual(order)
        // A reader that receives every update, in a shuffled order, ends with the same order.
        const reader = new Y.Doc()
        for (const update of shuffle(updates, shuffleSeed)) Y.applyUpdate(reader, update)
        expect(readMessages(reader)).toEqual(order)
        // Between a question and a reply to it stand only other replies to it, and theirs.
        const questionOfId = new Map(order.map((message) => [message.id, message.replyTo]))
        const answers = (id: string | undefined, question: string): boolean =>
          id !== undefined && (id === question || answers(questionOfId.get(id), question))
        order.forEach((message, at) => {
          if (message.replyTo === undefined) return
          const from = order.findIndex((other) => other.id === message.replyTo)
          expect(from).toBeLessThan(at)
          for (const between of order.slice(from + 1, at))
            expect(answers(between.replyTo, message.replyTo ?? '')).toBe(true)
        })
      }),
      { numRuns: 200, seed: testSeed(20_260_303) },
    )
  })
})

function countDescendants(questions: readonly (number | undefined)[], index: number): number {
  let count = 0
  questions.forEach((parent, child) => {
    if (parent === index) count += 1 + countDescendants(questions, child)
  })
  return count
}

/** A copy of `items` shuffled by a seeded linear congruential walk. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items]
  let state = seed >>> 0
  for (let index = copy.length - 1; index > 0; index--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    const other = state % (index + 1)
    ;[copy[index], copy[other]] = [copy[other] as T, copy[index] as T]
  }
  return copy
}

import { describe, expect, it } from 'vitest'
import { orderMessages, type OrderedEntry } from './order-messages.ts'

const ids = (messages: readonly OrderedEntry[]): string[] => messages.map((message) => message.id)
const question = (id: string): OrderedEntry => ({ id })
const reply = (id: string, replyTo: string): OrderedEntry => ({ id, replyTo })

describe('orderMessages (PROTOCOL.md §11)', () => {
  it('keeps document order when nothing replies', () => {
    expect(ids(orderMessages([question('a'), question('b'), question('c')]))).toEqual(['a', 'b', 'c'])
    expect(orderMessages([])).toEqual([])
  })

  it('places each reply right after its question when two questions were asked at once', () => {
    const messages = [question('u1'), question('u2'), reply('r1', 'u1'), reply('r2', 'u2')]
    expect(ids(orderMessages(messages))).toEqual(['u1', 'r1', 'u2', 'r2'])
  })

  it('places a reply after the earlier replies to its question and their own replies, before the next question', () => {
    const messages = [question('u1'), reply('a1', 'u1'), question('u2'), reply('t1', 'a1'), reply('a2', 'u1')]
    expect(ids(orderMessages(messages))).toEqual(['u1', 'a1', 't1', 'a2', 'u2'])
  })

  it('places a reply stored before its question after it', () => {
    expect(ids(orderMessages([reply('r1', 'u1'), question('x'), question('u1')]))).toEqual(['x', 'u1', 'r1'])
  })

  it('leaves in place a reply to no message, to itself, or in a loop of replies, and orders what answers the loop', () => {
    const messages = [
      reply('orphan', 'gone'),
      reply('self', 'self'),
      reply('a', 'b'),
      question('q'),
      reply('b', 'a'),
      reply('c', 'a'),
    ]
    expect(ids(orderMessages(messages))).toEqual(['orphan', 'self', 'a', 'c', 'q', 'b'])
  })

  it('follows the first message of a repeated id', () => {
    const messages = [question('dup'), question('x'), question('dup'), reply('r', 'dup')]
    expect(orderMessages(messages)).toEqual([messages[0], messages[3], messages[1], messages[2]])
  })

  it('returns a new array of the same elements and leaves its input alone', () => {
    const messages = [reply('r', 'q'), question('q')]
    const ordered = orderMessages(messages)
    expect(ordered).not.toBe(messages)
    expect(ordered[0]).toBe(messages[1])
    expect(ordered[1]).toBe(messages[0])
    expect(ids(messages)).toEqual(['r', 'q'])
  })

  it('orders a chain of 50 000 replies without exhausting the stack', () => {
    const chain = Array.from({ length: 50_000 }, (_, index) =>
      index === 0 ? question('m0') : reply(`m${index}`, `m${index - 1}`),
    )
    const ordered = orderMessages([...chain].reverse())
    expect(ordered).toEqual(chain)
  })
})

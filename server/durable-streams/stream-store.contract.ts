/**
 * Contract suite every StreamStore passes: run it with a factory of fresh stores (memory, SQLite, PostgreSQL).
 */
import { describe, expect, it } from 'vitest'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { StreamMeta, StreamStore } from './stream-store.ts'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (data: Uint8Array): string => new TextDecoder().decode(data)

function meta(path: string, messages: readonly string[], extra: Partial<StreamMeta> = {}): StreamMeta {
  return {
    path,
    contentType: 'text/plain',
    closed: false,
    createdAtMs: 1,
    touchedAtMs: 1,
    producers: {},
    messageCount: messages.length,
    byteCount: messages.reduce((sum, message) => sum + bytes(message).byteLength, 0),
    ...extra,
  }
}

/** Commits `record` and `messages` whatever the stream holds (the decisions are stream-service.ts's business). */
async function put(store: StreamStore, record: StreamMeta, messages: Uint8Array[]): Promise<void> {
  await store.change(record.path, () => ({ meta: record, messages }))
}

/** Registers the StreamStore contract for `createStore` (each call: a fresh, empty store). */
export function describeStreamStoreContract(name: string, createStore: () => Promise<StreamStore>): void {
  describe(`StreamStore contract: ${name}`, () => {
    it('returns committed messages in order with their indexes and byte ends', async () => {
      const store = await createStore()
      await put(store, meta('a', ['he', 'llo']), [bytes('he'), bytes('llo')])
      await put(store, meta('a', ['he', 'llo', '!']), [bytes('!')])
      const messages = await store.read('a', 0, 1024)
      expect(messages.map((message) => [message.index, message.byteEnd, text(message.data)])).toEqual([
        [1, 2, 'he'],
        [2, 5, 'llo'],
        [3, 6, '!'],
      ])
      expect((await store.read('a', 2, 1024)).map((message) => text(message.data))).toEqual(['!'])
      expect((await store.get('a'))?.messageCount).toBe(3)
      await store.close()
    })

    it('lists the paths under a prefix in order, taking the prefix literally', async () => {
      const store = await createStore()
      for (const path of ['x/b', 'x/a', 'x_/c', 'y/a', 'x']) await put(store, meta(path, []), [])
      expect(await store.list('x/')).toEqual(['x/a', 'x/b'])
      expect(await store.list('x_')).toEqual(['x_/c'])
      expect(await store.list('z')).toEqual([])
      await store.close()
    })

    it('bounds a read by bytes but always returns at least one message', async () => {
      const store = await createStore()
      await put(store, meta('b', ['aaaa', 'bbbb', 'cccc']), [bytes('aaaa'), bytes('bbbb'), bytes('cccc')])
      expect((await store.read('b', 0, 1)).map((message) => text(message.data))).toEqual(['aaaa'])
      expect((await store.read('b', 0, 8)).map((message) => text(message.data))).toEqual(['aaaa', 'bbbb'])
      await store.close()
    })

    it('keeps metadata and state committed without messages', async () => {
      const store = await createStore()
      await put(store, meta('c', [], { producers: { p: { epoch: 1, seq: 4 } }, state: { n: 1 }, closed: true }), [])
      expect(await store.get('c')).toMatchObject({
        closed: true,
        producers: { p: { epoch: 1, seq: 4 } },
        state: { n: 1 },
      })
      await store.close()
    })

    it('decides on the stored record: a declined change writes nothing, a refused or failed one is rethrown as it is', async () => {
      const store = await createStore()
      await put(store, meta('e', ['x']), [bytes('x')])
      const seen: Array<StreamMeta | undefined> = []
      expect(
        await store.change('e', (current) => {
          seen.push(current)
          return undefined
        }),
      ).toBeUndefined()
      expect(
        await store.change('absent', (current) => {
          seen.push(current)
          return undefined
        }),
      ).toBeUndefined()
      expect(seen.map((record) => record?.messageCount)).toEqual([1, undefined])
      const refusal = new SessionError('STREAM_CLOSED', 'refused by the decision')
      await expect(
        store.change('e', () => {
          throw refusal
        }),
      ).rejects.toBe(refusal)
      // A decision that fails (a bug deriving the change) is not a storage failure: its error passes unchanged.
      const bug = new TypeError('message.get is not a function')
      await expect(
        store.change('e', () => {
          throw bug
        }),
      ).rejects.toBe(bug)
      const next = await store.change('e', (current) =>
        current === undefined
          ? undefined
          : { meta: meta('e', ['x', 'y'], { touchedAtMs: current.touchedAtMs + 1 }), messages: [bytes('y')] },
      )
      expect(next?.meta.messageCount).toBe(2)
      expect(await store.get('e')).toMatchObject({ messageCount: 2, touchedAtMs: 2 })
      expect((await store.read('e', 0, 1024)).map((message) => text(message.data))).toEqual(['x', 'y'])
      expect(await store.get('absent')).toBeUndefined()
      await store.close()
    })

    it('deletes a stream with its messages, and a new stream at that path starts empty', async () => {
      const store = await createStore()
      await put(store, meta('d', ['x']), [bytes('x')])
      expect(await store.delete('d')).toBe(true)
      expect(await store.delete('d')).toBe(false)
      expect(await store.get('d')).toBeUndefined()
      await put(store, meta('d', ['y']), [bytes('y')])
      expect((await store.read('d', 0, 1024)).map((message) => [message.index, text(message.data)])).toEqual([[1, 'y']])
      await store.close()
    })
  })
}

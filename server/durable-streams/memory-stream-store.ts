/**
 * StreamStore in memory: no persistence. The baseline for tests and for servers given an UpdateLog without a
 * stream store.
 */
import { assert } from '../../shared/errors/invariant.ts'
import type { StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'

/** Creates an empty in-memory StreamStore. */
export function createMemoryStreamStore(): StreamStore {
  const streams = new Map<string, { meta: StreamMeta; messages: StreamMessage[] }>()
  return {
    async get(path) {
      return streams.get(path)?.meta
    },
    async change(path, decide) {
      const stored = streams.get(path)
      const change = decide(stored?.meta)
      if (change === undefined) return undefined
      assert(change.meta.path === path, 'a change keeps its stream path')
      const stream = stored ?? { meta: change.meta, messages: [] }
      let byteEnd = stream.messages.at(-1)?.byteEnd ?? 0
      for (const data of change.messages) {
        byteEnd += data.byteLength
        stream.messages.push({ index: stream.messages.length + 1, byteEnd, data: data.slice() })
      }
      stream.meta = change.meta
      streams.set(path, stream)
      return change
    },
    async read(path, afterIndex, maxBytes) {
      const messages = streams.get(path)?.messages ?? []
      const result: StreamMessage[] = []
      let total = 0
      for (let index = afterIndex; index < messages.length; index++) {
        const message = messages[index]
        if (message === undefined) break
        if (result.length > 0 && total + message.data.byteLength > maxBytes) break
        total += message.data.byteLength
        result.push(message)
      }
      return result
    },
    async list(prefix) {
      return [...streams.keys()].filter((path) => path.startsWith(prefix)).sort()
    },
    async delete(path) {
      return streams.delete(path)
    },
    async close() {
      streams.clear()
    },
  }
}

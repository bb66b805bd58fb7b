/**
 * createReplyChunker: turns successive snapshots of one assistant reply into the AI SDK's `UIMessageChunk`s — the
 * first call starts the message (with the reply's id) and replays everything so far, later calls emit only what was
 * added, and the call that sees a final status closes the message. Session replies only grow (PROTOCOL.md §1), so a
 * text part's new characters are always a suffix.
 */
import type { UIMessageChunk } from 'ai'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { mergeParts } from './to-ui-messages.ts'

/** Emits the chunks of one reply, snapshot by snapshot. */
export interface ReplyChunker {
  /** The chunks that bring a consumer from the previous snapshot to `reply`. */
  next(reply: MessageView): UIMessageChunk[]
  /** True once a final status was emitted. */
  readonly finished: boolean
}

/** A chunker for one reply. */
export function createReplyChunker(): ReplyChunker {
  let started = false
  let finished = false
  /** Characters emitted per text or reasoning part, by merged part index; tool parts are marked once emitted. */
  const emitted: number[] = []
  let open: { readonly type: 'text' | 'reasoning'; readonly id: string } | undefined
  const close = (chunks: UIMessageChunk[]): void => {
    if (open !== undefined) chunks.push({ type: open.type === 'text' ? 'text-end' : 'reasoning-end', id: open.id })
    open = undefined
  }
  return {
    get finished() {
      return finished
    },
    next(reply) {
      const chunks: UIMessageChunk[] = []
      if (finished) return chunks
      if (!started) chunks.push({ type: 'start', messageId: reply.id })
      started = true
      mergeParts(reply.parts).forEach((part, index) => {
        const done = emitted[index]
        if (part.type === 'text' || part.type === 'reasoning') {
          if (done === undefined) {
            close(chunks)
            open = { type: part.type, id: `${reply.id}:${index}` }
            chunks.push({ type: part.type === 'text' ? 'text-start' : 'reasoning-start', id: open.id })
          }
          const from = done ?? 0
          if (part.text.length > from && open !== undefined)
            chunks.push({
              type: part.type === 'text' ? 'text-delta' : 'reasoning-delta',
              id: open.id,
              delta: part.text.slice(from),
            })
          emitted[index] = part.text.length
          return
        }
        if (done !== undefined) return
        close(chunks)
        emitted[index] = 1
        if (part.type === 'tool-call')
          chunks.push({
            type: 'tool-input-available',
            toolCallId: part.toolCallId,
            toolName: part.toolName,
            input: part.input,
            dynamic: true,
          })
        else if (part.type === 'tool-result')
          chunks.push({
            type: 'tool-output-available',
            toolCallId: part.toolCallId,
            output: part.output,
            dynamic: true,
          })
      })
      if (reply.status === 'streaming') return chunks
      close(chunks)
      finished = true
      if (reply.status === 'done') chunks.push({ type: 'finish', finishReason: 'stop' })
      else if (reply.status === 'stopped') chunks.push({ type: 'abort', reason: 'stopped' })
      else chunks.push({ type: 'error', errorText: `the reply ended ${reply.status}` })
      return chunks
    },
  }
}

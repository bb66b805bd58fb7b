/**
 * toUIMessages: session messages as the AI SDK's `UIMessage`s, for `useChat({ messages })` and `setMessages`. Ids
 * are the session's message ids, so a reply replayed by the Lifeline chat transport replaces its message instead of
 * adding a second one. Consecutive text (or reasoning) parts become one UI part; a tool call and its result become
 * one `dynamic-tool` part.
 */
import type { UIMessage } from 'ai'
import type { MessageView, PartView } from '../../shared/session/session-schema.ts'

type UIPart = UIMessage['parts'][number]

/** The UI message of each user and assistant message, in session order (system messages are left out). */
export function toUIMessages(messages: readonly MessageView[]): UIMessage[] {
  return messages.filter((message) => message.role !== 'system').map(toUIMessage)
}

/** One session message as a UI message. */
export function toUIMessage(message: MessageView): UIMessage {
  const streaming = message.status === 'streaming'
  const parts: UIPart[] = []
  for (const part of mergeParts(message.parts)) {
    if (part.type === 'text' || part.type === 'reasoning') {
      parts.push({ type: part.type, text: part.text, state: streaming ? 'streaming' : 'done' })
    } else if (part.type === 'tool-call') {
      parts.push({
        type: 'dynamic-tool',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        state: 'input-available',
        input: part.input,
      })
    } else if (part.type === 'tool-result') {
      const index = parts.findIndex((shown) => shown.type === 'dynamic-tool' && shown.toolCallId === part.toolCallId)
      const call = parts[index]
      if (call?.type === 'dynamic-tool')
        parts[index] = {
          type: 'dynamic-tool',
          toolCallId: call.toolCallId,
          toolName: call.toolName,
          state: 'output-available',
          input: call.input,
          output: part.output,
        }
    }
  }
  return { id: message.id, role: message.role === 'user' ? 'user' : 'assistant', parts }
}

/** Joins consecutive text parts, and consecutive reasoning parts (long replies are stored in several). */
export function mergeParts(parts: readonly PartView[]): PartView[] {
  const merged: PartView[] = []
  for (const part of parts) {
    const last = merged.at(-1)
    if ((part.type === 'text' || part.type === 'reasoning') && last?.type === part.type)
      merged[merged.length - 1] = { type: part.type, text: last.text + part.text }
    else merged.push(part)
  }
  return merged
}

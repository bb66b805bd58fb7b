/**
 * ReplyPart: one typed piece of an LLM reply — a text or reasoning delta, a tool call, a tool result — as written by
 * `ReplyWriter.appendPart` / `pipeParts`. The SDK adapters in ./adapters/ turn each SDK's stream chunks into these,
 * so tool calls and reasoning land in the session as typed message parts instead of being flattened into text.
 */
import type { NewToolCall, NewToolResult } from '../../shared/session/session-doc.ts'

/**
 * One piece of a reply. Deltas are appended to the message's last part of their kind (`text` or `reasoning`), or
 * open a new one; tool calls and results each become their own part, in stream order.
 */
export type ReplyPart =
  | { readonly type: 'text-delta'; readonly text: string }
  | { readonly type: 'reasoning-delta'; readonly text: string }
  | ({ readonly type: 'tool-call' } & NewToolCall)
  | ({ readonly type: 'tool-result' } & NewToolResult)

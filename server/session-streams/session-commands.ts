/**
 * Commands an agent POSTs to its session's stream (PROTOCOL.md §9.7), parsed and validated at the edge. They
 * become ordinary agent replies in the session document: `start` opens a reply and its run, `text` appends a
 * token run, `end` gives the reply its final status.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { MESSAGE_STATUSES, type MessageStatus } from '../../shared/session/session-schema.ts'

/** One command of an HTTP append. */
export type SessionCommand =
  | { readonly type: 'start'; readonly messageId: string; readonly replyTo?: string }
  | {
      readonly type: 'text'
      readonly messageId: string
      readonly text: string
      readonly partType: 'text' | 'reasoning'
    }
  | {
      readonly type: 'end'
      readonly messageId: string
      readonly status: Exclude<MessageStatus, 'streaming' | 'interrupted'>
    }

const MESSAGE_ID_PATTERN = /^[A-Za-z0-9_:.-]{1,128}$/
const END_STATUSES = MESSAGE_STATUSES.filter((status) => status !== 'streaming' && status !== 'interrupted')

/**
 * The commands of a JSON body: one command object or an array of them.
 * @throws SessionError BAD_REQUEST naming the first malformed command
 */
export function parseSessionCommands(body: Uint8Array): SessionCommand[] {
  let value: unknown
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'))
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'body is not valid JSON', { cause })
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value]
  if (items.length === 0) throw new SessionError('BAD_REQUEST', 'no commands')
  return items.map((item, index) => parseCommand(item, index))
}

function parseCommand(item: unknown, index: number): SessionCommand {
  const fail = (why: string): SessionError =>
    new SessionError('BAD_REQUEST', `command ${index}: ${why}`, { details: { index } })
  if (typeof item !== 'object' || item === null) throw fail('not an object')
  const { type, messageId, replyTo, text, partType, status } = item as Record<string, unknown>
  if (typeof messageId !== 'string' || !MESSAGE_ID_PATTERN.test(messageId))
    throw fail('messageId must match [A-Za-z0-9_:.-]{1,128}')
  switch (type) {
    case 'start':
      if (replyTo !== undefined && typeof replyTo !== 'string') throw fail('replyTo must be a string')
      return { type, messageId, ...(replyTo === undefined ? {} : { replyTo }) }
    case 'text':
      if (typeof text !== 'string' || text === '') throw fail('text must be a non-empty string')
      if (partType !== undefined && partType !== 'text' && partType !== 'reasoning')
        throw fail('partType must be text or reasoning')
      return { type, messageId, text, partType: partType ?? 'text' }
    case 'end':
      if (!END_STATUSES.includes(status as (typeof END_STATUSES)[number]))
        throw fail(`status must be one of ${END_STATUSES.join(', ')}`)
      return { type, messageId, status: status as (typeof END_STATUSES)[number] }
    default:
      throw fail('type must be start, text or end')
  }
}

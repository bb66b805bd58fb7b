/**
 * Commands POSTed to a session's stream (PROTOCOL.md §9.7), parsed and validated at the edge. An agent's become
 * ordinary agent replies in the session document: `start` opens a reply and its run, `text` appends a token run,
 * `end` gives the reply its final status, `heartbeat` keeps its run's lease, `handled` marks a steer the agent acted on
 * (PROTOCOL.md §9.7). A user's become what its devices write over Yjs: `message` a user message, `steer` a steering
 * entry (stop, redirect, note, approve, reject).
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  MESSAGE_STATUSES,
  STEER_KINDS,
  type MessageStatus,
  type SteerKind,
} from '../../shared/session/session-schema.ts'

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
  | { readonly type: 'heartbeat'; readonly messageId: string }
  | { readonly type: 'handled'; readonly steerId: string }
  | { readonly type: 'message'; readonly messageId: string; readonly text: string; readonly device?: string }
  | {
      readonly type: 'steer'
      readonly steerId: string
      readonly kind: SteerKind
      readonly target?: string
      readonly text?: string
    }

/** The principal role that may send each command type; on an open server anyone sends any. */
const COMMAND_ROLES: Readonly<Record<SessionCommand['type'], PrincipalRole>> = {
  start: 'agent',
  text: 'agent',
  end: 'agent',
  heartbeat: 'agent',
  handled: 'agent',
  message: 'user',
  steer: 'user',
}

/**
 * Refuses commands the sender's role may not write, as the Yjs rules do (PROTOCOL.md §8.4): agents write replies,
 * users messages and steers, observers nothing. `role` is undefined on an open server.
 * @throws SessionError FORBIDDEN naming the first refused command
 */
export function checkCommandRoles(commands: readonly SessionCommand[], role: PrincipalRole | undefined): void {
  if (role === undefined) return
  commands.forEach((command, index) => {
    if (COMMAND_ROLES[command.type] !== role)
      throw new SessionError('FORBIDDEN', `command ${index}: a ${role} token cannot send ${command.type}`, {
        details: { index, role, type: command.type },
      })
  })
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
  const { type, messageId, replyTo, text, partType, status, device, steerId, kind, target } = item as Record<
    string,
    unknown
  >
  if (type === 'steer' || type === 'handled') {
    if (typeof steerId !== 'string' || !MESSAGE_ID_PATTERN.test(steerId))
      throw fail('steerId must match [A-Za-z0-9_:.-]{1,128}')
    if (type === 'handled') return { type, steerId }
    if (!STEER_KINDS.includes(kind as SteerKind)) throw fail(`kind must be one of ${STEER_KINDS.join(', ')}`)
    if (target !== undefined && typeof target !== 'string') throw fail('target must be a string')
    if (text !== undefined && typeof text !== 'string') throw fail('text must be a string')
    if (kind === 'redirect' && (typeof text !== 'string' || text === '')) throw fail('a redirect needs its text')
    return {
      type,
      steerId,
      kind: kind as SteerKind,
      ...(target === undefined ? {} : { target: target as string }),
      ...(text === undefined ? {} : { text: text as string }),
    }
  }
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
    case 'heartbeat':
      return { type, messageId }
    case 'message':
      if (typeof text !== 'string' || text === '') throw fail('text must be a non-empty string')
      if (device !== undefined && typeof device !== 'string') throw fail('device must be a string')
      return { type, messageId, text, ...(device === undefined ? {} : { device: device as string }) }
    default:
      throw fail('type must be start, text, end, heartbeat, handled, message or steer')
  }
}

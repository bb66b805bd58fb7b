/**
 * Applies HTTP commands to a session document (PROTOCOL.md §9.7) through the shared accessors, so Yjs clients see
 * ordinary agent replies, user messages and steers. The whole batch is checked first and then written in one transaction
 * together with the producer's new state: the text and the producer state become durable together.
 */
import type * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import { isHttpProducerEntry, isSteerEntry } from '../../shared/session/check-entry.ts'
import {
  appendMessage,
  appendSteer,
  appendText,
  endRun,
  findMessage,
  getSessionRoots,
  markSteerHandled,
  readSteering,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import type { ProducerState } from '../durable-streams/stream-store.ts'
import type { SessionCommand } from './session-commands.ts'

/** The stored state of producer `producerId` of agent `agentId`, if any; a quarantined one (check-entry.ts) reads as none. */
export function readHttpProducer(doc: Y.Doc, agentId: string, producerId: string): ProducerState | undefined {
  const state: unknown = doc.getMap<unknown>(SESSION_ROOTS.HTTP_PRODUCERS).get(producerKey(agentId, producerId))
  return isHttpProducerEntry(state) ? state : undefined
}

/**
 * Checks `commands` of principal `agentId` against the document without changing it; user texts must fit
 * `maxUserTextChars` (PROTOCOL.md §10.1).
 * @throws SessionError BAD_REQUEST (unknown or foreign message, duplicate id, unknown steer), REPLY_CLOSED (reply
 *   already ended), TEXT_TOO_LONG (details `{ limit, length }`), STEER_ALREADY_HANDLED (another agent marked the steer
 *   handled; details `{ steerId, handledBy }`)
 */
export function checkSessionCommands(
  doc: Y.Doc,
  agentId: string,
  commands: readonly SessionCommand[],
  maxUserTextChars: number,
): void {
  const open = new Map<string, boolean>()
  const steers = new Set<string>()
  for (const command of commands) {
    if (command.type === 'message' || command.type === 'steer') {
      checkUserCommand(doc, command, open, steers, maxUserTextChars)
      continue
    }
    if (command.type === 'handled') {
      checkHandledMark(doc, agentId, command.steerId, steers)
      continue
    }
    const known = open.get(command.messageId) ?? stateOf(doc, agentId, command.messageId)
    if (command.type === 'start') {
      if (known !== undefined)
        throw new SessionError('BAD_REQUEST', `message ${command.messageId} already exists`, {
          details: { messageId: command.messageId },
        })
      if (command.replyTo !== undefined && findMessage(doc, command.replyTo) === undefined) {
        throw new SessionError('BAD_REQUEST', `no message ${command.replyTo} to reply to`, {
          details: { replyTo: command.replyTo },
        })
      }
      open.set(command.messageId, true)
      continue
    }
    if (known === undefined)
      throw new SessionError('BAD_REQUEST', `no reply ${command.messageId} of ${agentId}`, {
        details: { messageId: command.messageId },
      })
    if (!known)
      throw new SessionError('REPLY_CLOSED', `reply ${command.messageId} has ended`, {
        details: { messageId: command.messageId },
      })
    if (command.type === 'end') open.set(command.messageId, false)
  }
}

/** Writes checked `commands` and the producer's new state; call inside one transaction (applyServerChange). */
export function applySessionCommands(
  doc: Y.Doc,
  agentId: string,
  producer: { id: string; state: ProducerState },
  commands: readonly SessionCommand[],
): void {
  const nowMs = Date.now()
  for (const command of commands) {
    if (command.type === 'message') {
      appendMessage(doc, {
        id: command.messageId,
        role: 'user',
        author: agentId,
        status: 'done',
        createdAt: nowMs,
        text: command.text,
        ...(command.device === undefined ? {} : { device: command.device }),
      })
      continue
    }
    if (command.type === 'steer') {
      const { steerId, kind, target, text } = command
      appendSteer(doc, {
        id: steerId,
        kind,
        author: agentId,
        createdAt: nowMs,
        ...(target === undefined ? {} : { target }),
        ...(text === undefined ? {} : { text }),
      })
      continue
    }
    if (command.type === 'handled') {
      const steer = findSteer(doc, command.steerId) as Y.Map<unknown>
      markSteerHandled(steer, agentId, nowMs) // false when this agent marked it before: the mark stays as it was
      continue
    }
    if (command.type === 'start') {
      const runId = `run_${createRandomId(16)}`
      appendMessage(doc, {
        id: command.messageId,
        role: 'assistant',
        author: agentId,
        status: 'streaming',
        createdAt: nowMs,
        runId,
        ...(command.replyTo === undefined ? {} : { replyTo: command.replyTo }),
      })
      startRun(doc, { id: runId, agent: agentId, messageId: command.messageId, startedAt: nowMs })
      continue
    }
    const message = findMessage(doc, command.messageId) as Y.Map<unknown>
    if (command.type === 'text') {
      appendText(message, command.text, command.partType)
    } else if (command.type === 'heartbeat') {
      const runId = message.get('runId')
      if (typeof runId === 'string') getSessionRoots(doc).runs.get(runId)?.set('heartbeatAt', nowMs)
    } else {
      setMessageStatus(message, command.status)
      const runId = message.get('runId')
      if (typeof runId === 'string') endRun(doc, runId, command.status, nowMs)
    }
  }
  doc.getMap<ProducerState>(SESSION_ROOTS.HTTP_PRODUCERS).set(producerKey(agentId, producer.id), producer.state)
}

/** Checks a user's `message` or `steer` against the document and the batch so far (`open`, `steers`). */
function checkUserCommand(
  doc: Y.Doc,
  command: Extract<SessionCommand, { type: 'message' | 'steer' }>,
  open: Map<string, boolean>,
  steers: Set<string>,
  maxUserTextChars: number,
): void {
  const text = command.text ?? ''
  if (text.length > maxUserTextChars)
    throw new SessionError('TEXT_TOO_LONG', `text of ${text.length} characters is over ${maxUserTextChars}`, {
      details: { limit: maxUserTextChars, length: text.length },
    })
  if (command.type === 'message') {
    if (open.has(command.messageId) || findMessage(doc, command.messageId) !== undefined)
      throw new SessionError('BAD_REQUEST', `message ${command.messageId} already exists`, {
        details: { messageId: command.messageId },
      })
    open.set(command.messageId, false)
    return
  }
  if (steers.has(command.steerId) || readSteering(doc).some((steer) => steer.id === command.steerId))
    throw new SessionError('BAD_REQUEST', `steer ${command.steerId} already exists`, {
      details: { steerId: command.steerId },
    })
  if (command.target !== undefined && !open.has(command.target) && findMessage(doc, command.target) === undefined)
    throw new SessionError('BAD_REQUEST', `no message ${command.target} to steer`, {
      details: { target: command.target },
    })
  steers.add(command.steerId)
}

/**
 * Checks that steer `steerId` exists (in the document or earlier in the batch) and is not handled by another agent:
 * the first agent to mark a steer handled keeps the mark (PROTOCOL.md §8.4), so a second agent learns it must not act.
 */
function checkHandledMark(doc: Y.Doc, agentId: string, steerId: string, steers: ReadonlySet<string>): void {
  if (steers.has(steerId)) return
  const steer = findSteer(doc, steerId)
  if (steer === undefined)
    throw new SessionError('BAD_REQUEST', `no steer ${steerId} to mark handled`, { details: { steerId } })
  const handledBy = steer.get('handledBy')
  if (handledBy !== undefined && handledBy !== agentId)
    throw new SessionError('STEER_ALREADY_HANDLED', `steer ${steerId} is already handled by ${String(handledBy)}`, {
      details: { steerId, handledBy },
    })
}

/** The steering entry `steerId` that fits the schema, if any. */
function findSteer(doc: Y.Doc, steerId: string): Y.Map<unknown> | undefined {
  for (const steer of getSessionRoots(doc).steering.toArray() as unknown[])
    if (isSteerEntry(steer) && steer.get('id') === steerId) return steer
  return undefined
}

/** undefined: no such reply of this agent; true: streaming; false: ended. */
function stateOf(doc: Y.Doc, agentId: string, messageId: string): boolean | undefined {
  const message = findMessage(doc, messageId)
  if (message === undefined) return undefined
  if (message.get('author') !== agentId || message.get('role') !== 'assistant') {
    throw new SessionError('BAD_REQUEST', `message ${messageId} is not a reply of ${agentId}`, {
      details: { messageId },
    })
  }
  return message.get('status') === 'streaming'
}

function producerKey(agentId: string, producerId: string): string {
  return `${agentId}\u0000${producerId}`
}

/**
 * screenSessionCommands: the message policy on an HTTP append (PROTOCOL.md §8.8, §9.7), before anything is written.
 * A user `message` is asked about as a `message`, a `steer`'s text as a `steer`, an agent's `text` commands (text or
 * reasoning) as a `run` — consecutive ones for the same
 * part joined, so a pattern split across them is seen whole — with the stored tail of the reply's last part of the
 * same type (and the batch's earlier text for it) as context. A redaction is applied to the
 * command, so only the redacted text is ever stored; a rejection refuses the whole append.
 */
import * as Y from 'yjs'
import { POLICY_CONTEXT_CHARS } from '../../shared/policy/message-policy.ts'
import { findMessage } from '../../shared/session/session-doc.ts'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { SessionCommand } from '../session-streams/session-commands.ts'
import type { PolicyGate } from './create-policy-gate.ts'

/** Who appends. */
export interface CommandAuthor {
  readonly principal: string
  readonly role: PrincipalRole | undefined
  readonly sessionId: string
}

/**
 * `commands` with every text the policy redacted replaced, read against `doc` (the session before the append).
 * @throws SessionError POLICY_REJECTED (422) with the policy's reason when it rejects a text or fails
 */
export async function screenSessionCommands(
  doc: Y.Doc,
  commands: readonly SessionCommand[],
  author: CommandAuthor,
  screen: PolicyGate,
): Promise<SessionCommand[]> {
  /** Text written earlier in this batch, per message and part type. */
  const written = new Map<string, string>()
  const screened: SessionCommand[] = []
  /** A user's message or steer is asked about alone, with no context. */
  const screenAlone = (kind: 'message' | 'steer', text: string, messageId: string): Promise<string> =>
    screenText(screen, { ...author, kind, text, context: '', messageId })
  for (const command of joinTextRuns(commands)) {
    if (command.type === 'message' && command.text !== '') {
      screened.push({ ...command, text: await screenAlone('message', command.text, command.messageId) })
      continue
    }
    if (command.type === 'steer' && command.text !== undefined && command.text !== '') {
      screened.push({ ...command, text: await screenAlone('steer', command.text, command.steerId) })
      continue
    }
    if (command.type === 'text' && command.text !== '') {
      const key = `${command.partType}:${command.messageId}`
      const context = (storedTail(doc, command.messageId, command.partType) + (written.get(key) ?? '')).slice(
        -POLICY_CONTEXT_CHARS,
      )
      const text = await screenText(screen, {
        ...author,
        kind: 'run',
        text: command.text,
        context,
        messageId: command.messageId,
      })
      written.set(key, (written.get(key) ?? '') + text)
      screened.push({ ...command, text })
      continue
    }
    screened.push(command)
  }
  return screened
}

/** `commands` with each stretch of consecutive `text` commands for the same message and part type joined into one. */
function joinTextRuns(commands: readonly SessionCommand[]): SessionCommand[] {
  const joined: SessionCommand[] = []
  for (const command of commands) {
    const last = joined[joined.length - 1]
    if (
      command.type === 'text' &&
      last?.type === 'text' &&
      last.messageId === command.messageId &&
      last.partType === command.partType
    )
      joined[joined.length - 1] = { ...last, text: last.text + command.text }
    else joined.push(command)
  }
  return joined
}

async function screenText(screen: PolicyGate, input: Parameters<PolicyGate>[0]): Promise<string> {
  const verdict = await screen(input)
  if (verdict.action === 'reject') throw verdict.error
  return verdict.action === 'redact' ? verdict.text : input.text
}

/** The last POLICY_CONTEXT_CHARS characters of message `messageId`'s last part, when it is of `partType`. */
function storedTail(doc: Y.Doc, messageId: string, partType: 'text' | 'reasoning'): string {
  const parts = findMessage(doc, messageId)?.get('parts')
  const last = parts instanceof Y.Array && parts.length > 0 ? (parts.get(parts.length - 1) as unknown) : undefined
  if (!(last instanceof Y.Map) || last.get('type') !== partType) return ''
  const text = last.get('text')
  return text instanceof Y.Text ? text.toString().slice(-POLICY_CONTEXT_CHARS) : ''
}

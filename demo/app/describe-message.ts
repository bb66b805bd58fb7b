/**
 * describeMessage: the words the demo chat shows around a message — who wrote it ("you" for this principal, display
 * names for others, agents marked), which question a reply answers, and why a reply ended early: "Stopped by Bob,
 * phone", "Redirected by …", or the reason a reply failed or was interrupted.
 */
import { onDeviceAgentOwner } from '../../shared/auth/on-device-agent-id.ts'
import type { MessageView, SteerView } from '../../shared/session/session-schema.ts'

/** What describing a message needs to know about the session. */
export interface MessageContext {
  /** This page's principal. */
  readonly selfId: string
  /** Display name of a principal (its id when it set none). */
  nameOf(principalId: string): string
  /** Steering entries of the session, in document order. */
  readonly steering: readonly SteerView[]
}

/** The texts shown with one message. */
export interface MessageDescription {
  /** Author line: "You · phone", "Alice · computer", "Agent e2e-agent · streaming", "Agent on your device · done". */
  readonly meta: string
  /** Why a reply ended as it did (stopped, redirected, failed, interrupted); undefined otherwise. */
  readonly note: string | undefined
}

/** Why a reply fails or is interrupted, as a person reads it. */
const END_REASONS: Partial<Record<MessageView['status'], string>> = {
  failed: 'Failed: the agent hit an error while answering and gave up. Ask again to retry.',
  interrupted:
    'Interrupted: the agent stopped responding (its run missed its heartbeats). The text so far is kept; ask again to continue.',
}

/** "Bob, phone", or "Bob" when the device is unknown; "you" for this page's principal. */
function personOnDevice(principalId: string, device: string | undefined, context: MessageContext): string {
  const who = principalId === context.selfId ? 'you' : context.nameOf(principalId)
  return device === undefined ? who : `${who}, ${device}`
}

/** Describes `message` for the list. */
export function describeMessage(message: MessageView, context: MessageContext): MessageDescription {
  if (message.role === 'user') {
    const who = message.author === context.selfId ? 'You' : context.nameOf(message.author)
    return { meta: message.device === undefined ? who : `${who} · ${message.device}`, note: undefined }
  }
  const owner = onDeviceAgentOwner(message.author)
  const who =
    owner === undefined
      ? context.nameOf(message.author)
      : `on ${owner === context.selfId ? 'your' : `${context.nameOf(owner)}’s`} device`
  const meta = `${message.role === 'assistant' ? 'Agent ' : ''}${who} · ${message.status}`
  return { meta, note: endNote(message, context) }
}

function endNote(message: MessageView, context: MessageContext): string | undefined {
  if (message.status === 'stopped') {
    const steer = context.steering.find(
      (entry) => (entry.kind === 'stop' || entry.kind === 'redirect') && entry.target === message.id,
    )
    if (steer === undefined) return 'Stopped by the agent.'
    const by = personOnDevice(steer.author, steer.device, context)
    return steer.kind === 'redirect' ? `Redirected by ${by}: “${steer.text ?? ''}”` : `Stopped by ${by}`
  }
  return END_REASONS[message.status]
}

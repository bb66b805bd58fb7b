/**
 * The JSON events of a session's event stream (PROTOCOL.md §9.6), derived by the server from the session
 * document. Each is one message of a Durable Streams JSON stream, addressed by its offset.
 */
import type { PolicyRefusalCause } from '../policy/message-policy.ts'
import type { MessageRole, MessageStatus, PartView, SteerKind } from '../session/session-schema.ts'

/** Final message statuses, each announced by a `message.<status>` event. */
export type FinalMessageStatus = Exclude<MessageStatus, 'streaming'>

/** One event of a session stream. */
export type SessionEvent =
  /**
   * A new message. `after` is the id of the message it follows in the session order (PROTOCOL.md §11), `null` when it
   * comes first: a reader that inserts each new message right after `after` holds the messages in session order.
   */
  | {
      readonly type: 'message.created'
      readonly messageId: string
      readonly after: string | null
      readonly role: MessageRole
      readonly author: string
      readonly createdAt: number
      readonly replyTo?: string
      readonly runId?: string
    }
  /** Text appended to the text-like part `part` (0-based) of a message. */
  | {
      readonly type: 'message.delta'
      readonly messageId: string
      readonly part: number
      readonly partType: 'text' | 'reasoning'
      readonly text: string
    }
  /** A tool call or tool result part, once it exists. */
  | { readonly type: 'message.part'; readonly messageId: string; readonly part: number; readonly content: PartView }
  | { readonly type: `message.${FinalMessageStatus}`; readonly messageId: string }
  | {
      readonly type: 'steer'
      readonly steerId: string
      readonly kind: SteerKind
      readonly author: string
      readonly createdAt: number
      readonly target?: string
      readonly text?: string
    }
  /** The devices connected to the session, after a change. */
  | { readonly type: 'presence'; readonly members: readonly SessionEventMember[] }
  | PolicyDecisionEvent

/** Type of the event a message policy's redaction or refusal records (PROTOCOL.md §8.8, §9.6). */
export const POLICY_DECISION_EVENT = 'policy.decision'

/**
 * A message policy redacted or refused a text (PROTOCOL.md §8.8), recorded when it decided, so before the events of
 * the write it judged (a refused write has none). It never carries the judged text.
 */
export interface PolicyDecisionEvent {
  readonly type: typeof POLICY_DECISION_EVENT
  readonly messageId: string
  /** What was judged, as `kind` of the policy's input: `message`, `run`, `steer` or `tool`. */
  readonly kind: 'message' | 'run' | 'steer' | 'tool'
  readonly action: 'redact' | 'reject'
  /** The author: the token's subject; on an open server `anonymous` over Yjs, the `Producer-Id` over HTTP. */
  readonly principal: string
  /** The author's token role; absent on an open server. */
  readonly role?: string
  /** A refusal's cause: `rejected` by the policy, or a failure that refused the text (fail closed). */
  readonly cause?: PolicyRefusalCause
  /** A refusal's message as the author is shown it (the policy's reason when it rejected). */
  readonly reason?: string
  /** A redaction's spans: UTF-16 offsets `[start, end)` into the judged text. */
  readonly spans?: readonly { readonly start: number; readonly end: number }[]
}

/** One connected device in a `presence` event (from the server-checked awareness `member` field). */
export interface SessionEventMember {
  readonly principalId: string
  readonly role?: string
  readonly device?: string
}

/**
 * The message policy hook (PROTOCOL.md §8.8): an async function the server calls with each user message and each
 * agent token run, with its author, before the write is stored. It allows the text, redacts spans of it, or rejects
 * it with a reason the author is shown. Set it as the `policy` option of createSessionServer.
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { PolicyDecision } from '../../shared/policy/message-policy.ts'

/** What the policy is asked about. */
export interface MessagePolicyInput {
  /**
   * `message`: a user message's text; `run`: a run of an agent reply's tokens (its text or its reasoning); `steer`: a
   * steer's text; `tool`: a tool call's input or a tool result's output, as JSON text (a string as it is).
   */
  readonly kind: 'message' | 'run' | 'steer' | 'tool'
  /** The text to decide on; a redaction's spans are offsets into it. */
  readonly text: string
  /**
   * The stored text of the same part right before `text`, at most POLICY_CONTEXT_CHARS characters ('' for a new
   * message): a pattern that began in an earlier run can be recognised, though only `text` can still be redacted.
   */
  readonly context: string
  /** The author: the token's subject, or `anonymous` on an open server. */
  readonly principal: string
  /** The author's token role; undefined on an open server. */
  readonly role: PrincipalRole | undefined
  readonly sessionId: string
  /** The message the text is in; for a steer, the steer's id. */
  readonly messageId: string
}

/**
 * Decides on one text. A decision that is not one of the three forms, spans that are out of order or out of range,
 * a throw or an answer later than `policyTimeoutMs` refuse the text (fail closed, POLICY_REJECTED).
 */
export type MessagePolicy = (input: MessagePolicyInput) => Promise<PolicyDecision> | PolicyDecision

/**
 * createPolicyGate: runs the server's message policy (message-policy.ts) on one text and turns its answer into a
 * verdict the write paths act on (PROTOCOL.md §8.8): allow, redact (the redacted text), or refuse (a SessionError
 * POLICY_REJECTED whose message is shown to the author). It fails closed: a policy that throws, answers with a
 * malformed decision or takes longer than `timeoutMs` refuses the text. Every decision is counted; each one that is not
 * an allow is reported as a `policy-decision` security event, which the server logs and passes to `onSecurityEvent`,
 * and recorded as a `policy.decision` event in the session's event stream (PROTOCOL.md §9.6).
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  applyPolicySpans,
  areValidPolicySpans,
  DEFAULT_POLICY_TIMEOUT_MS,
  type PolicyAction,
  type PolicyRefusalCause,
  type PolicySpan,
} from '../../shared/policy/message-policy.ts'
import { POLICY_DECISION_EVENT, type PolicyDecisionEvent } from '../../shared/protocol/session-events.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import type { MessagePolicy, MessagePolicyInput } from './message-policy.ts'

/** The verdict on one text. */
export type PolicyVerdict =
  | { readonly action: 'allow' }
  | { readonly action: 'redact'; readonly spans: readonly PolicySpan[]; readonly text: string }
  | { readonly action: 'reject'; readonly error: SessionError; readonly cause: PolicyRefusalCause }

/** Options of {@link createPolicyGate}. */
export interface PolicyGateOptions {
  readonly policy: MessagePolicy
  /** Longest a decision may take, in ms (default DEFAULT_POLICY_TIMEOUT_MS). */
  readonly timeoutMs?: number
  /** Receives a `policy-decision` event for each redaction and refusal. */
  readonly onSecurityEvent: SecurityEventListener
  /** Counts each decision by action (`lifeline_policy_decisions_total`). */
  readonly recordDecision?: (action: PolicyAction) => void
  /**
   * Records a `policy.decision` event in the session's event stream for each redaction and refusal; the verdict waits
   * for it, so the event is in the stream before the author learns the outcome. Its failures are its own to report.
   */
  readonly recordEvent?: (sessionId: string, event: PolicyDecisionEvent) => Promise<void>
}

/** Decides on texts with the server's policy. */
export type PolicyGate = (input: MessagePolicyInput) => Promise<PolicyVerdict>

/**
 * Creates the gate.
 * @throws TypeError when `timeoutMs` is not a positive integer
 */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const timeoutMs = options.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new TypeError(`policyTimeoutMs must be a positive integer, not ${String(timeoutMs)}`)
  return async (input) => {
    const verdict = await decide(options.policy, input, timeoutMs)
    options.recordDecision?.(verdict.action)
    if (verdict.action !== 'allow') {
      const error =
        verdict.action === 'reject'
          ? verdict.error
          : new SessionError('POLICY_REJECTED', 'the message policy redacted the text', {
              details: { action: 'redact', spans: verdict.spans.length },
            })
      options.onSecurityEvent({
        kind: 'policy-decision',
        sessionId: input.sessionId,
        ...(input.role === undefined ? {} : { principalId: input.principal }),
        error: withWhere(error, input),
      })
      await options.recordEvent?.(input.sessionId, decisionEvent(input, verdict))
    }
    return verdict
  }
}

async function decide(policy: MessagePolicy, input: MessagePolicyInput, timeoutMs: number): Promise<PolicyVerdict> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  let answer: unknown
  try {
    answer = await Promise.race([Promise.resolve().then(() => policy(input)), timedOut])
  } catch (cause) {
    return refuse('threw', 'the message policy failed; the text was not stored', { cause: String(cause) })
  } finally {
    clearTimeout(timer)
  }
  if (answer === 'timeout')
    return refuse('timeout', `the message policy did not decide within ${timeoutMs} ms; the text was not stored`)
  const decision = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>
  if (decision.action === 'allow') return { action: 'allow' }
  if (decision.action === 'reject' && typeof decision.reason === 'string' && decision.reason !== '')
    return refuse('rejected', decision.reason)
  if (decision.action === 'redact' && areValidPolicySpans(decision.spans, input.text.length)) {
    if (decision.spans.length === 0) return { action: 'allow' }
    return { action: 'redact', spans: decision.spans, text: applyPolicySpans(input.text, decision.spans) }
  }
  return refuse('invalid-decision', 'the message policy gave no valid decision; the text was not stored')
}

function refuse(cause: PolicyRefusalCause, message: string, details: Record<string, unknown> = {}): PolicyVerdict {
  return {
    action: 'reject',
    cause,
    error: new SessionError('POLICY_REJECTED', message, { details: { ...details, action: 'reject', cause } }),
  }
}

/** The stream event of a redaction or refusal: where, who, what and why, never the text. */
function decisionEvent(
  input: MessagePolicyInput,
  verdict: Exclude<PolicyVerdict, { action: 'allow' }>,
): PolicyDecisionEvent {
  const base = {
    type: POLICY_DECISION_EVENT,
    messageId: input.messageId,
    kind: input.kind,
    principal: input.principal,
    ...(input.role === undefined ? {} : { role: input.role }),
  } as const
  if (verdict.action === 'redact')
    return { ...base, action: 'redact', spans: verdict.spans.map(({ start, end }) => ({ start, end })) }
  return {
    ...base,
    action: 'reject',
    cause: verdict.cause,
    reason: verdict.error.message,
  }
}

function withWhere(error: SessionError, input: MessagePolicyInput): SessionError {
  return new SessionError(error.code, error.message, {
    details: { ...error.details, kind: input.kind, messageId: input.messageId, sessionId: input.sessionId },
  })
}

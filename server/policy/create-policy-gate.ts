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

/**
 * Decides on texts with the server's policy. A policy that answers at once (a value, or a promise already settled) is
 * judged without a timer; the returned promise then settles within a few microtasks.
 */
export type PolicyGate = (input: MessagePolicyInput) => Promise<PolicyVerdict>

/**
 * Creates the gate.
 * @throws TypeError when `timeoutMs` is not a positive integer
 */
export function createPolicyGate(options: PolicyGateOptions): PolicyGate {
  const timeoutMs = options.timeoutMs ?? DEFAULT_POLICY_TIMEOUT_MS
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
    throw new TypeError(`policyTimeoutMs must be a positive integer, not ${String(timeoutMs)}`)
  const conclude = async (input: MessagePolicyInput, answer: Answer): Promise<PolicyVerdict> => {
    const verdict = judge(answer, input, timeoutMs)
    options.recordDecision?.(verdict.action)
    if (verdict.action === 'allow') return verdict
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
    return verdict
  }
  return (input) => {
    let value: unknown
    try {
      value = options.policy(input)
    } catch (cause) {
      return conclude(input, { thrown: cause })
    }
    if (!isThenable(value)) return conclude(input, { value })
    return settleWithin(value, timeoutMs).then((answer) => conclude(input, answer))
  }
}

/** What the policy answered: a value, a throw (or rejection), or nothing in time. */
type Answer = { readonly value: unknown } | { readonly thrown: unknown } | 'timeout'

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
}

/**
 * The answer of `pending`, or `timeout` after `timeoutMs`. The timer starts only when the answer has not settled
 * within a microtask, so a policy that answers at once costs no timer.
 */
function settleWithin(pending: PromiseLike<unknown>, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let settled = false
    const finish = (answer: Answer): void => {
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      resolve(answer)
    }
    Promise.resolve(pending).then(
      (value) => finish({ value }),
      (thrown: unknown) => finish({ thrown }),
    )
    // A promise reaction, not queueMicrotask: that allocates an async resource on every call.
    void Promise.resolve().then(() => {
      if (!settled) timer = setTimeout(() => finish('timeout'), timeoutMs)
    })
  })
}

/** The verdict on `answer`: fail closed on a throw, a timeout or anything but the three decisions. */
function judge(answer: Answer, input: MessagePolicyInput, timeoutMs: number): PolicyVerdict {
  if (answer === 'timeout')
    return refuse('timeout', `the message policy did not decide within ${timeoutMs} ms; the text was not stored`)
  if ('thrown' in answer)
    return refuse('threw', 'the message policy failed; the text was not stored', { cause: String(answer.thrown) })
  const { value } = answer
  const decision = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  if (decision.action === 'allow') return ALLOW
  if (decision.action === 'reject' && typeof decision.reason === 'string' && decision.reason !== '')
    return refuse('rejected', decision.reason)
  if (decision.action === 'redact' && areValidPolicySpans(decision.spans, input.text.length)) {
    if (decision.spans.length === 0) return ALLOW
    return { action: 'redact', spans: decision.spans, text: applyPolicySpans(input.text, decision.spans) }
  }
  return refuse('invalid-decision', 'the message policy gave no valid decision; the text was not stored')
}

const ALLOW: PolicyVerdict = { action: 'allow' }

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

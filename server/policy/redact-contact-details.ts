/**
 * redactContactDetails: an example message policy (PROTOCOL.md §8.8, docs/pipelines.md § Message policy) that
 * replaces e-mail addresses with `[email]` and phone numbers with `[phone]`. It reads a run together with its context,
 * so an address that began in the stored text before the run is still recognised; only the part inside the run can
 * be replaced. Phone numbers are 9 to 15 digits, optionally after a `+`, separated by at most two of space, dot,
 * dash and parentheses: order numbers of that shape are redacted too, dates and short numbers are not.
 *
 *   createSessionServer({ policy: redactContactDetails })
 */
import type { PolicyDecision, PolicySpan } from '../../shared/policy/message-policy.ts'
import type { MessagePolicyInput } from './message-policy.ts'

/** What replaces an e-mail address. */
const EMAIL_REPLACEMENT = '[email]'

/** What replaces a phone number. */
const PHONE_REPLACEMENT = '[phone]'

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g
const PHONE = /(?<![\w+])\+?\(?\d(?:[ ().-]{0,2}\d){8,14}(?![\w])/g

/** Redacts e-mail addresses and phone numbers in `input.text` (a `redact` decision), or allows it. */
export function redactContactDetails(input: Pick<MessagePolicyInput, 'text' | 'context'>): PolicyDecision {
  const whole = input.context + input.text
  const offset = input.context.length
  const found: PolicySpan[] = []
  for (const [pattern, replacement] of [
    [EMAIL, EMAIL_REPLACEMENT],
    [PHONE, PHONE_REPLACEMENT],
  ] as const) {
    for (const match of whole.matchAll(pattern)) {
      const end = match.index + match[0].length - offset
      if (end <= 0) continue // wholly in the stored context
      found.push({ start: Math.max(0, match.index - offset), end, replacement })
    }
  }
  const spans = disjoint(found)
  return spans.length === 0 ? { action: 'allow' } : { action: 'redact', spans }
}

/** `spans` sorted, with every span that overlaps an earlier-starting one dropped. */
function disjoint(spans: PolicySpan[]): PolicySpan[] {
  const sorted = spans.sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: PolicySpan[] = []
  for (const span of sorted) {
    const last = kept[kept.length - 1]
    if (last === undefined || span.start >= last.end) kept.push(span)
  }
  return kept
}

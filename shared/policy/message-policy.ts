/**
 * The message policy's wire facts (PROTOCOL.md §8.8): what a server-side policy may decide about a user message or an
 * agent's token run before it is stored, the spans a redaction replaces, and how much trailing text writers hold back
 * so that a pattern split across token runs reaches the policy whole.
 */

/** What a policy decides about one text. */
export const POLICY_ACTIONS = ['allow', 'redact', 'reject'] as const
export type PolicyAction = (typeof POLICY_ACTIONS)[number]

/**
 * Why a text was refused: the policy rejected it, or it failed closed (threw, answered no valid decision, or took
 * longer than the timeout).
 */
export const POLICY_REFUSAL_CAUSES = ['rejected', 'threw', 'invalid-decision', 'timeout'] as const
export type PolicyRefusalCause = (typeof POLICY_REFUSAL_CAUSES)[number]

/** One span of a text to replace: UTF-16 offsets `[start, end)` into the text the policy saw. */
export interface PolicySpan {
  readonly start: number
  readonly end: number
  readonly replacement: string
}

/** A policy's decision. */
export type PolicyDecision =
  | { readonly action: 'allow' }
  | { readonly action: 'redact'; readonly spans: readonly PolicySpan[] }
  | { readonly action: 'reject'; readonly reason: string }

/**
 * Most characters at the end of a streaming reply that writers hold back while a server announces a policy, until more
 * text follows or the reply ends (PROTOCOL.md §8.8, policySendableLength). A word or a number written in groups up to
 * this long that is split across token runs is therefore sent in one run, and the server sees it whole before any of
 * it is stored.
 */
export const POLICY_HOLD_BACK_CHARS = 64

/**
 * Response header of an HTTP append (PROTOCOL.md §9.7) on a server with a message policy: the hold-back in characters,
 * as the limits announcement's `policyHoldBackChars` tells Yjs clients.
 */
export const POLICY_HOLD_BACK_HEADER = 'Lifeline-Policy-Hold-Back'

/** Stored text of the same part before a run that the server hands the policy as `context`, in characters. */
export const POLICY_CONTEXT_CHARS = 256

/** Default time a policy may take to decide, in ms; past it the text is refused (fail closed). */
export const DEFAULT_POLICY_TIMEOUT_MS = 2_000

/**
 * Where a streaming writer may cut `text` (the reply's text not sent yet) when more may follow (PROTOCOL.md §8.8):
 * everything before the returned index is sent, the rest held back. The held tail is the trailing word (the last run
 * of non-whitespace, which the next token may continue) together with the number characters right before it (digits,
 * spaces and `+().-`), so an address, a word or a phone number written in groups is never split, and only it waits
 * for the next token. A tail longer than `holdBackChars` (the announced hold-back, POLICY_HOLD_BACK_CHARS) is cut
 * `holdBackChars` from the end instead, moved back to the whitespace before the run of non-whitespace it falls in by
 * at most `holdBackChars` more. `done` (the reply or part ends) or a hold-back of 0 sends everything.
 */
export function policySendableLength(text: string, done: boolean, holdBackChars = POLICY_HOLD_BACK_CHARS): number {
  if (done || holdBackChars <= 0) return text.length
  let cut = text.length
  while (cut > 0 && !/\s/.test(text[cut - 1] as string)) cut--
  while (cut > 0 && NUMBER_CHARACTER.test(text[cut - 1] as string)) cut--
  if (text.length - cut <= holdBackChars) return cut
  const latest = text.length - holdBackChars
  for (cut = latest; cut > 0 && cut >= latest - holdBackChars; cut--) if (/\s/.test(text[cut - 1] as string)) return cut
  return Math.max(0, latest - holdBackChars)
}

/** A character a number written in groups may hold besides its digits (policySendableLength). */
const NUMBER_CHARACTER = /[0-9 +().-]/

/**
 * True when `spans` are well formed for a text of `length` characters: integer bounds inside it, start < end, sorted
 * and not overlapping, string replacements.
 */
export function areValidPolicySpans(spans: unknown, length: number): spans is readonly PolicySpan[] {
  if (!Array.isArray(spans)) return false
  let previousEnd = 0
  for (const span of spans as unknown[]) {
    if (typeof span !== 'object' || span === null) return false
    const { start, end, replacement } = span as Record<string, unknown>
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || typeof replacement !== 'string') return false
    if ((start as number) < previousEnd || (start as number) >= (end as number) || (end as number) > length)
      return false
    previousEnd = end as number
  }
  return true
}

/** `text` with each of `spans` (valid for it, see areValidPolicySpans) replaced. */
export function applyPolicySpans(text: string, spans: readonly PolicySpan[]): string {
  let result = ''
  let at = 0
  for (const span of spans) {
    result += text.slice(at, span.start) + span.replacement
    at = span.end
  }
  return result + text.slice(at)
}

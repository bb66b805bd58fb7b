/**
 * screenRuns: the message policy on a Yjs update (PROTOCOL.md §8.8). Asks the policy about every text run and entry
 * text the update adds (find-text-runs.ts, find-entry-texts.ts) and turns the verdicts into the update's refusal, if
 * any: a rejection refuses it with the policy's reason; a redaction refuses it with the spans the author's SDK needs
 * to write the text again redacted, moved to offsets into the message's text or reasoning (a steer's text). A tool
 * part is structured data and is not rewritten, so its redaction refuses the update like a rejection.
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { PolicySpan } from '../../shared/policy/message-policy.ts'
import type { PolicyGate, PolicyVerdict } from './create-policy-gate.ts'
import type { EntryText } from './find-entry-texts.ts'
import { runOffset, type TextRun } from './find-text-runs.ts'
import type { MessagePolicyInput } from './message-policy.ts'

/** Who wrote the update. */
export interface RunAuthor {
  readonly principal: string
  readonly role: PrincipalRole | undefined
  readonly sessionId: string
}

/**
 * Asks the policy about every run and entry text; resolves the refusal of the update, if any: the first rejection,
 * else a redaction of the first redacted message (or steer), with its spans moved to offsets into that message's text
 * of the redacted part type (PROTOCOL.md §8.8). A tool part is not rewritten: its redaction refuses the update.
 */
export async function screenRuns(
  screen: PolicyGate,
  runs: readonly TextRun[],
  entryTexts: readonly EntryText[],
  author: RunAuthor,
): Promise<SessionError | undefined> {
  const asked: Array<TextRun | EntryText> = entryTexts.length === 0 ? (runs as TextRun[]) : [...runs, ...entryTexts]
  const verdicts =
    asked.length === 1
      ? [await screen(inputOf(asked[0] as TextRun | EntryText, author))]
      : await Promise.all(asked.map((text) => screen(inputOf(text, author))))
  for (const verdict of verdicts) if (verdict.action === 'reject') return verdict.error
  const redacted = asked.findIndex((_text, index) => verdicts[index]?.action === 'redact')
  const first = asked[redacted]
  if (first === undefined) return undefined
  const sessionId = author.sessionId
  if (first.kind === 'tool')
    return new SessionError(
      'POLICY_REJECTED',
      'the message policy redacted a tool part; tool parts are not rewritten',
      {
        details: { action: 'reject', cause: 'rejected', messageId: first.messageId, sessionId },
      },
    )
  if (!('partType' in first)) {
    const verdict = verdicts[redacted] as Extract<PolicyVerdict, { action: 'redact' }>
    return redaction(first.messageId, verdict.spans, undefined, sessionId)
  }
  const { messageId, partType } = first
  const spans = runs
    .flatMap((run, index) => {
      const verdict = verdicts[index]
      if (run.messageId !== messageId || run.partType !== partType || verdict?.action !== 'redact') return []
      const offset = runOffset(run)
      return verdict.spans.map((span) => ({ ...span, start: span.start + offset, end: span.end + offset }))
    })
    .sort((a, b) => a.start - b.start)
  return redaction(messageId, spans, partType, sessionId)
}

function inputOf(text: TextRun | EntryText, author: RunAuthor): MessagePolicyInput {
  return {
    principal: author.principal,
    role: author.role,
    sessionId: author.sessionId,
    kind: text.kind,
    text: text.text,
    context: 'context' in text ? text.context : '',
    messageId: text.messageId,
  }
}

function redaction(
  messageId: string,
  spans: readonly PolicySpan[],
  partType: TextRun['partType'] | undefined,
  sessionId: string,
): SessionError {
  return new SessionError('POLICY_REJECTED', 'the message policy redacted part of the text; write it again redacted', {
    details: { action: 'redact', messageId, spans, ...(partType === 'reasoning' ? { partType } : {}), sessionId },
  })
}

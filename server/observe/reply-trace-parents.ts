/**
 * Finds the span an inbound update belongs to (PROTOCOL.md §12): the `traceparent` of the message it writes into —
 * an agent's reply carries its reply span's — or of the message of the run it touches (a heartbeat). The update that
 * creates a message carries the field itself, before the live document has it, so for a message the document lacks
 * the decoded update is searched. Messages are found once per document and kept, so a token update costs two map
 * lookups; a message without a traceparent costs the same and yields nothing.
 */
import type { SpanContext } from '@opentelemetry/api'
import * as Y from 'yjs'
import { parseTraceParent, TRACEPARENT } from '../../shared/observe/trace-parent.ts'
import { findMessage, getSessionRoots } from '../../shared/session/session-doc.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import type { DecodedUpdate } from '../governance/decoded-update.ts'
import type { UpdateSummary } from '../persistence/update-log.ts'

/** Resolves the trace parent of an update from the entries its summary names. */
export type ReplyTraceParents = (
  document: Y.Doc,
  summary: UpdateSummary,
  decoded: DecodedUpdate,
) => SpanContext | undefined

/** Creates a resolver with its own caches (one per server). */
export function createReplyTraceParents(): ReplyTraceParents {
  const messagesByDoc = new WeakMap<Y.Doc, Map<string, Y.Map<unknown>>>()
  const parsed = new WeakMap<Y.Map<unknown>, { readonly raw: unknown; readonly context: SpanContext | undefined }>()

  const messageOf = (document: Y.Doc, id: string): Y.Map<unknown> | undefined => {
    let messages = messagesByDoc.get(document)
    if (messages === undefined) {
      messages = new Map()
      messagesByDoc.set(document, messages)
    }
    let message = messages.get(id)
    if (message === undefined) {
      message = findMessage(document, id)
      if (message !== undefined) messages.set(id, message)
    }
    return message
  }

  const contextOf = (message: Y.Map<unknown>): SpanContext | undefined => {
    const raw = message.get(TRACEPARENT)
    const known = parsed.get(message)
    if (known !== undefined && known.raw === raw) return known.context
    const context = parseTraceParent(raw)
    parsed.set(message, { raw, context })
    return context
  }

  return (document, summary, decoded) => {
    for (const id of summary[SESSION_ROOTS.MESSAGES] ?? []) {
      const message = messageOf(document, id)
      const context = message === undefined ? writtenTraceParent(decoded) : contextOf(message)
      if (context !== undefined) return context
    }
    for (const runId of summary[SESSION_ROOTS.RUNS] ?? []) {
      const run: unknown = getSessionRoots(document).runs.get(runId)
      const messageId = run instanceof Y.Map ? run.get('messageId') : undefined
      const message = typeof messageId === 'string' ? messageOf(document, messageId) : undefined
      const context = message === undefined ? undefined : contextOf(message)
      if (context !== undefined) return context
    }
    return undefined
  }
}

/** The traceparent a new message of `decoded` is written with, if any. */
function writtenTraceParent(decoded: DecodedUpdate): SpanContext | undefined {
  for (const structs of decoded.byClient.values()) {
    for (const struct of structs) {
      if (struct instanceof Y.Item && struct.parentSub === TRACEPARENT && struct.content instanceof Y.ContentAny) {
        const context = parseTraceParent(struct.content.arr[0])
        if (context !== undefined) return context
      }
    }
  }
  return undefined
}

/**
 * HTTP methods of a session's event stream `sessions/<id>` (PROTOCOL.md §9.6, §9.7): GET and HEAD read the
 * events derived from the session document; POST (agents and users) applies commands with idempotent-producer
 * headers and answers once they are durable. PUT and DELETE are refused: the session owns its stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { SpanContext, Tracer } from '@opentelemetry/api'
import type * as Y from 'yjs'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { LIVE_MODES, STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { POLICY_HOLD_BACK_HEADER } from '../../shared/policy/message-policy.ts'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { parseSessionId } from '../../shared/session/session-id.ts'
import { drainOversized, readBody } from '../http/read-body.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { applySessionCommands, checkSessionCommands, readHttpProducer } from './apply-session-commands.ts'
import { checkProducer } from '../durable-streams/check-producer.ts'
import { offsetHeaders } from '../durable-streams/handle-generic-stream.ts'
import type { KeyedLock } from '../durable-streams/keyed-lock.ts'
import { sendStreamRead, type StreamReadContext } from '../durable-streams/send-stream-read.ts'
import { sendStreamSse } from '../durable-streams/send-stream-sse.ts'
import { checkCommandRoles, parseSessionCommands } from './session-commands.ts'
import type { SessionDocuments } from './session-documents.ts'
import type { SessionEventRecorder } from './session-event-recorder.ts'
import { readLiveMode } from '../durable-streams/read-live-mode.ts'
import { readProducerBatch } from '../durable-streams/stream-request-headers.ts'
import { sendEmpty } from '../durable-streams/stream-response.ts'
import type { StreamMeta } from '../durable-streams/stream-store.ts'
import type { ServerChange, ServerChangeOrigin } from '../extensions/durable-log.ts'
import { traceHttpAppend } from '../observe/trace-http-append.ts'
import type { EntryCharger } from '../limits/charge-new-entries.ts'
import type { PolicyGate } from '../policy/create-policy-gate.ts'
import { screenSessionCommands } from '../policy/screen-session-commands.ts'

/** What the session stream routes need. */
export interface SessionStreamContext extends StreamReadContext {
  readonly sseReconnectMs: number
  readonly log: UpdateLog
  readonly documents: SessionDocuments
  readonly recorder: SessionEventRecorder
  readonly sessionLock: KeyedLock
  readonly applyServerChange: (
    document: Y.Doc,
    sessionId: string,
    change: ServerChange,
    origin?: ServerChangeOrigin,
  ) => Promise<void>
  /** Traces each append (PROTOCOL.md §12). */
  readonly tracer: Tracer
  /** Largest command body in bytes. */
  readonly maxBodyBytes: number
  /** Longest user message or steer text, in UTF-16 code units (PROTOCOL.md §10.1). */
  readonly maxUserTextChars: number
  /** Charges the messages and steers an append adds to the appending principal (PROTOCOL.md §10.5); throws RATE_LIMITED to refuse. */
  readonly chargeEntries?: EntryCharger
  /** The message policy: redacts or refuses appended texts before they are written (PROTOCOL.md §8.8). */
  readonly screenText?: PolicyGate
  /** Sent as `Lifeline-Policy-Hold-Back` on every append answer when set (PROTOCOL.md §8.8). */
  readonly policyHoldBackChars?: number
}

/** The principal of a request: the token's subject and role. */
export interface StreamPrincipal {
  readonly id: string
  readonly role: PrincipalRole
}

/**
 * Handles one request for the stream of `rawSessionId`; `principal` is the token's, or undefined on an open server,
 * where the `Producer-Id` stands for the appending principal (see appendCommands).
 * @throws SessionError INVALID_SESSION_ID, SESSION_NOT_FOUND, METHOD_NOT_ALLOWED, BAD_REQUEST, FORBIDDEN, PRODUCER_*,
 *   REPLY_CLOSED, TEXT_TOO_LONG, RATE_LIMITED, POLICY_REJECTED
 */
export async function handleSessionStream(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  rawSessionId: string,
  principal: StreamPrincipal | undefined,
  context: SessionStreamContext,
): Promise<void> {
  const sessionId = parseSessionId(rawSessionId)
  const path = `${SESSION_STREAM_NAMESPACE}${sessionId}`
  const method = request.method ?? ''
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') {
    throw new SessionError('METHOD_NOT_ALLOWED', 'a session stream is created and deleted with its session', {
      details: { method },
    })
  }
  if ((await context.log.getSession(sessionId)) === undefined) throw sessionNotFound(sessionId)
  const live = method === 'GET' ? readLiveMode(url) : 'catch-up'
  if (method === 'POST') {
    await traceHttpAppend(context.tracer, request, { sessionId, principalId: principal?.id }, (traceParent) =>
      appendCommands(request, response, sessionId, principal, context, traceParent),
    )
    return
  }
  // Loading the document records what an earlier process applied but had not recorded yet.
  const held = await context.documents.hold(sessionId)
  try {
    await context.recorder.flush(sessionId)
  } finally {
    held.release()
  }
  if (method === 'HEAD')
    sendEmpty(response, 200, {
      ...offsetHeaders(await context.service.head(path)),
      'content-type': 'application/json',
      'cache-control': 'no-store',
    })
  else if (live === LIVE_MODES.SSE) await sendStreamSse(response, url, path, context)
  else await sendStreamRead(request, response, url, path, context)
}

async function appendCommands(
  request: IncomingMessage,
  response: ServerResponse,
  sessionId: string,
  principal: StreamPrincipal | undefined,
  context: SessionStreamContext,
  traceParent: SpanContext | undefined,
): Promise<void> {
  const producer = readProducerBatch(request)
  if (producer === undefined)
    throw new SessionError(
      'BAD_REQUEST',
      'appends to a session stream need Producer-Id, Producer-Epoch and Producer-Seq',
    )
  // Producer state is kept per (principal, Producer-Id). An open server has no principal, so the Producer-Id is the
  // writer: it names the author and alone keys the sequence, shared by every client that sends it (PROTOCOL.md §9.7,
  // docs/security.md § An open server).
  const agentId = principal?.id ?? producer.id
  const commands = parseSessionCommands(
    await readBody(request, context.maxBodyBytes, drainOversized(context.maxBodyBytes)),
  )
  checkCommandRoles(commands, principal?.role)
  const held = await context.documents.hold(sessionId)
  try {
    const { status, state, meta } = await context.sessionLock(sessionId, async () => {
      const decision = checkProducer(readHttpProducer(held.document, agentId, producer.id), producer)
      if (decision.kind === 'accept') {
        checkSessionCommands(held.document, agentId, commands, context.maxUserTextChars)
        const screened =
          context.screenText === undefined
            ? commands
            : await screenSessionCommands(
                held.document,
                commands,
                { principal: agentId, role: principal?.role, sessionId },
                context.screenText,
              )
        const messages = commands.filter((command) => command.type === 'start' || command.type === 'message').length
        const steers = commands.filter((command) => command.type === 'steer').length
        if (messages + steers > 0) context.chargeEntries?.(agentId, sessionId, { messages, steers })
        await context.applyServerChange(
          held.document,
          sessionId,
          (scratch) => {
            applySessionCommands(scratch, agentId, { id: producer.id, state: decision.state }, screened)
          },
          traceParent === undefined ? undefined : { traceParent },
        )
      }
      const recorded: StreamMeta | undefined = await context.recorder.flush(sessionId)
      return { status: decision.kind === 'accept' ? 200 : 204, state: decision.state, meta: recorded }
    })
    sendEmpty(response, status, {
      ...(meta === undefined ? {} : offsetHeaders(meta)),
      [STREAM_HEADERS.PRODUCER_EPOCH]: String(state.epoch),
      [STREAM_HEADERS.PRODUCER_SEQ]: String(state.seq),
      ...(context.policyHoldBackChars === undefined
        ? {}
        : { [POLICY_HOLD_BACK_HEADER]: String(context.policyHoldBackChars) }),
    })
  } finally {
    held.release()
  }
}

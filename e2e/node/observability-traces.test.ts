/**
 * OpenTelemetry traces on a real server with real clients (PROTOCOL.md §12, docs/operations.md § Traces), recorded
 * with the trace SDK's in-memory exporter: an agent's reply span with its first-token and end events, the server's
 * persist spans of that reply's updates as its children (the traceparent travels in the reply's message) on SQLite
 * and PostgreSQL, connection spans (WebSocket, HTTP fallback, refused token) with their session, principal and close,
 * a stop steer on the reply's span, a resumed reply with a span of its own, an HTTP
 * append joining the trace its `traceparent` header names, and an agent on the API's default no-op tracer.
 */
import { SpanStatusCode, trace, type Tracer } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { describe, expect } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { findMessage } from '../../shared/session/session-doc.ts'
import { SPAN_EVENTS, SPAN_NAMES, TRACE_ATTRIBUTES, TRACER_NAME } from '../../shared/observe/trace-names.ts'
import { formatTraceParent, TRACEPARENT } from '../../shared/observe/trace-parent.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import type { AgentSession } from '../../client/agent/agent-session.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { type SessionFixtures, testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'
import { connectFallbackViewer } from '../testing/connect-fallback-viewer.ts'

const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
const tracer: Tracer = provider.getTracer(TRACER_NAME)

const finished = (name: string, sessionId: string): ReadableSpan[] =>
  exporter
    .getFinishedSpans()
    .filter((span) => span.name === name && span.attributes[TRACE_ATTRIBUTES.SESSION_ID] === sessionId)
const eventNames = (span: ReadableSpan): string[] => span.events.map((event) => event.name)
const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan): ReadableSpan[] =>
  spans.filter(
    (span) =>
      span.parentSpanContext?.spanId === parent.spanContext().spanId &&
      span.spanContext().traceId === parent.spanContext().traceId,
  )

/** Endless tokens, one per macrotask turn, until `signal` aborts: a reply that only a stop ends. */
async function* endlessTokens(signal: AbortSignal): AsyncGenerator<string> {
  for (let index = 0; !signal.aborted; index++) {
    yield `t${index} `
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * alice (a client) asks and an agent on `agentTracer` answers with `tokens(reply.signal)`; resolves both once the
 * reply has some text.
 */
async function askAgent(
  fixtures: Pick<SessionFixtures, 'connectClient' | 'connectAgent'>,
  tokens: (signal: AbortSignal) => AsyncIterable<string>,
  agentTracer: Tracer | undefined,
): Promise<{ alice: SessionClient; agent: AgentSession; reply: () => MessageView | undefined }> {
  const alice = fixtures.connectClient({ principalId: 'alice' })
  await alice.waitForSynced()
  const agent = await fixtures.connectAgent({
    agentId: 'agent-1',
    ...(agentTracer === undefined ? {} : { tracer: agentTracer }),
  })
  agent.onUserMessage(async (message) => {
    const writer = agent.startReply({ replyTo: message.id })
    await writer.pipe(tokens(writer.signal))
  })
  alice.sendMessage('go')
  const reply = (): MessageView | undefined => alice.messages().find((message) => message.role === 'assistant')
  await expect.poll(() => reply()?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(0)
  return { alice, agent, reply }
}

for (const kind of ['sqlite', 'postgres'] as const) {
  const test = testWithStore(kind, { tracing: { tracer } })

  describe(`traces on ${kind}`, () => {
    test('a reply span with first-token and done events parents the persist spans of its updates', async ({
      sessionId,
      connectClient,
      connectAgent,
    }) => {
      const asked = await askAgent({ connectClient, connectAgent }, () => numberedTokens(300), tracer)
      const { alice, agent } = asked
      await expect.poll(() => asked.reply()?.status, { timeout: 10_000 }).toBe('done')
      await expect.poll(() => finished(SPAN_NAMES.REPLY, sessionId).length).toBe(1)
      const [reply] = finished(SPAN_NAMES.REPLY, sessionId)
      if (reply === undefined) throw new Error('no reply span')
      const replyMessage = asked.reply()
      expect(reply.attributes[TRACE_ATTRIBUTES.MESSAGE_ID]).toBe(replyMessage?.id)
      expect(reply.attributes[TRACE_ATTRIBUTES.REPLY_END]).toBe('done')
      expect(eventNames(reply)).toEqual([SPAN_EVENTS.FIRST_TOKEN, SPAN_EVENTS.DONE])
      // The traceparent travels in the reply's message, as every reader of the session sees it.
      expect(findMessage(alice.doc, replyMessage?.id ?? '')?.get(TRACEPARENT)).toBe(
        formatTraceParent(reply.spanContext()),
      )

      const persists = finished(SPAN_NAMES.PERSIST, sessionId)
      const replyPersists = childrenOf(persists, reply)
      // The update that opens the reply, token runs, and the end: all children of the agent's span, in its trace.
      expect(replyPersists.length).toBeGreaterThanOrEqual(3)
      for (const span of replyPersists) {
        expect(span.attributes[TRACE_ATTRIBUTES.STORE]).toBe(kind)
        expect(span.attributes[TRACE_ATTRIBUTES.WRITER]).toBe('anonymous')
        expect(span.attributes[TRACE_ATTRIBUTES.BYTES]).toBeGreaterThan(0)
        expect(span.status.code).toBe(0) // UNSET: the append succeeded
      }
      // alice's question and the session's creation are not the reply's.
      const others = persists.filter((span) => !replyPersists.includes(span))
      expect(others.length).toBeGreaterThanOrEqual(2)
      for (const span of others) expect(span.spanContext().traceId).not.toBe(reply.spanContext().traceId)
      await agent.close()
      alice.destroy()

      await expect.poll(() => finished(SPAN_NAMES.CONNECTION, sessionId).length).toBe(2)
      for (const span of finished(SPAN_NAMES.CONNECTION, sessionId)) {
        expect(span.attributes[TRACE_ATTRIBUTES.TRANSPORT]).toBe('websocket')
        expect(eventNames(span)).toEqual([SPAN_EVENTS.AUTHENTICATED])
        expect(span.attributes[TRACE_ATTRIBUTES.CLOSE_CODE]).toBeTypeOf('number')
        expect(span.status.code).toBe(0)
      }
    })
  })
}

const test = testWithStore('sqlite', { tracing: { tracer } })
const authOn = testWithStore('sqlite', { ...AUTH_ON, tracing: { tracer } })
const shortLease = testWithStore('sqlite', { runLeaseMs: 300, tracing: { tracer } })

describe('traces', () => {
  test('a stop steer shows on the reply span as steer received, then stopped', async ({
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const { alice, reply: replyMessage } = await askAgent({ connectClient, connectAgent }, endlessTokens, tracer)
    const replyId = replyMessage()?.id
    const steerId = alice.steer({ kind: 'stop', ...(replyId === undefined ? {} : { target: replyId }) })
    await expect.poll(() => finished(SPAN_NAMES.REPLY, sessionId).length).toBe(1)
    const [reply] = finished(SPAN_NAMES.REPLY, sessionId)
    expect(reply?.attributes[TRACE_ATTRIBUTES.REPLY_END]).toBe('stopped')
    expect(reply === undefined ? [] : eventNames(reply)).toEqual([
      SPAN_EVENTS.FIRST_TOKEN,
      SPAN_EVENTS.STEER_RECEIVED,
      SPAN_EVENTS.STOPPED,
    ])
    expect(reply?.events[1]?.attributes).toEqual({
      [TRACE_ATTRIBUTES.STEER_ID]: steerId,
      [TRACE_ATTRIBUTES.STEER_KIND]: 'stop',
    })
    await expect.poll(() => replyMessage()?.status).toBe('stopped')
  })

  test('an HTTP append joins the trace of its traceparent header, and so does its persist span', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced() // creates the session
    const caller = tracer.startSpan('python-agent-call')
    const traceparent = formatTraceParent(caller.spanContext()) ?? ''
    const response = await fetch(`${server.url}/v1/stream/sessions/${sessionId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TRACEPARENT]: traceparent,
        'producer-id': 'http-agent',
        'producer-epoch': '0',
        'producer-seq': '0',
      },
      body: JSON.stringify([
        { type: 'start', messageId: 'm_http' },
        { type: 'text', messageId: 'm_http', text: 'over http' },
        { type: 'end', messageId: 'm_http', status: 'done' },
      ]),
    })
    expect(response.status).toBe(200)
    caller.end()
    const [append] = finished(SPAN_NAMES.HTTP_APPEND, sessionId)
    if (append === undefined) throw new Error('no HTTP append span')
    expect(append.spanContext().traceId).toBe(caller.spanContext().traceId)
    expect(append.parentSpanContext?.spanId).toBe(caller.spanContext().spanId)
    const persists = childrenOf(finished(SPAN_NAMES.PERSIST, sessionId), append)
    expect(persists).toHaveLength(1)
    expect(persists[0]?.attributes[TRACE_ATTRIBUTES.WRITER]).toBe('server')

    const refused = await postSessionCommands(server.url, sessionId, {
      producerId: 'http-agent',
      epoch: 0,
      seq: 5, // a gap: refused, and the span says so
      commands: [{ type: 'text', messageId: 'm_http', text: '!' }],
    })
    expect(refused.status).toBe(409)
    const failed = finished(SPAN_NAMES.HTTP_APPEND, sessionId).filter((span) => span.status.code === 2)
    expect(failed).toHaveLength(1)
  })

  authOn(
    'a refused token marks its connection span refused, with the code, as an error',
    async ({ server, sessionId }) => {
      const intruder = createSessionClient({
        url: server.websocketUrl,
        sessionId,
        principalId: 'mallory',
        token: tokenFor('mallory', 'user', 'another-session'),
        WebSocket: NodeWebSocket,
      })
      try {
        await expect.poll(() => finished(SPAN_NAMES.CONNECTION, sessionId).length).toBe(1)
      } finally {
        intruder.destroy()
      }
      const [refused] = finished(SPAN_NAMES.CONNECTION, sessionId)
      expect(refused?.status.code).toBe(2) // ERROR
      expect(refused?.status.message).toBe('FORBIDDEN')
      expect(refused?.events.map((event) => [event.name, event.attributes])).toEqual([
        [SPAN_EVENTS.REFUSED, { [TRACE_ATTRIBUTES.ERROR_CODE]: 'FORBIDDEN' }],
      ])
      // The socket closed, by the server with 4403 or by the client on reading the refusal first.
      expect(refused?.attributes[TRACE_ATTRIBUTES.CLOSE_CODE]).toBeTypeOf('number')
    },
  )

  authOn(
    'a connection over the HTTP fallback has its span, with principal and role, until it leaves',
    async ({ sessionId, connectClient }) => {
      const viewer = await connectFallbackViewer(connectClient, sessionId)
      viewer.destroy()
      // The blocked WebSocket tries first and is never accepted by the server: only the fallback connection has a span.
      await expect.poll(() => finished(SPAN_NAMES.CONNECTION, sessionId).length).toBe(1)
      const [span] = finished(SPAN_NAMES.CONNECTION, sessionId)
      expect(span?.attributes).toMatchObject({
        [TRACE_ATTRIBUTES.TRANSPORT]: 'http-fallback',
        [TRACE_ATTRIBUTES.PRINCIPAL_ID]: 'viewer',
        [TRACE_ATTRIBUTES.ROLE]: 'observer',
      })
      expect(span === undefined ? [] : eventNames(span)).toEqual([SPAN_EVENTS.AUTHENTICATED])
    },
  )

  /** A reply of `writer` (on `tracer`) left without an end when its client is destroyed, until it is interrupted. */
  const interruptedReply = async ({
    connectClient,
    connectAgent,
  }: Pick<SessionFixtures, 'connectClient' | 'connectAgent'>): Promise<{
    alice: SessionClient
    reply: () => MessageView | undefined
  }> => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    const question = alice.sendMessage('tell me')
    const crashed = await connectAgent({ agentId: 'writer', tracer })
    crashed.startReply({ replyTo: question }).append('Half')
    await crashed.client.waitUntilDurable()
    crashed.client.destroy() // no end: the run lease marks the reply interrupted
    const reply = (): MessageView | undefined => alice.messages().find((message) => message.role === 'assistant')
    await expect.poll(() => reply()?.status, { timeout: 10_000 }).toBe('interrupted')
    return { alice, reply }
  }

  shortLease(
    'a reply left without an end ends its span abandoned; resumed, it gets a span of its own linked to that one',
    async ({ sessionId, connectClient, connectAgent }) => {
      const { alice, reply } = await interruptedReply({ connectClient, connectAgent })
      const [abandoned] = finished(SPAN_NAMES.REPLY, sessionId)
      if (abandoned === undefined) throw new Error('the span of the reply left without an end did not end')
      expect(abandoned.attributes[TRACE_ATTRIBUTES.REPLY_END]).toBe('abandoned')
      expect(abandoned.status).toEqual({ code: SpanStatusCode.ERROR, message: 'client closed' })
      expect(eventNames(abandoned)).toEqual([SPAN_EVENTS.FIRST_TOKEN, SPAN_EVENTS.ABANDONED])

      const restarted = await connectAgent({ agentId: 'writer', tracer })
      await restarted.resumeReply(reply()?.id ?? '').pipe(numberedTokens(3))
      await expect.poll(() => finished(SPAN_NAMES.REPLY, sessionId).length).toBe(2)
      const resumed = finished(SPAN_NAMES.REPLY, sessionId).find((span) => span !== abandoned)
      if (resumed === undefined) throw new Error('no span for the resumed reply')
      expect(resumed.attributes[TRACE_ATTRIBUTES.MESSAGE_ID]).toBe(reply()?.id)
      expect(resumed.links.map((link) => link.context.spanId)).toEqual([abandoned.spanContext().spanId])
      expect(findMessage(alice.doc, reply()?.id ?? '')?.get(TRACEPARENT)).toBe(formatTraceParent(resumed.spanContext()))
      expect(childrenOf(finished(SPAN_NAMES.PERSIST, sessionId), resumed).length).toBeGreaterThanOrEqual(2)
    },
  )

  shortLease(
    'a reply resumed by an agent without a tracer provider drops the traceparent of the span that ended',
    async ({ connectClient, connectAgent }) => {
      const { alice, reply } = await interruptedReply({ connectClient, connectAgent })
      expect(findMessage(alice.doc, reply()?.id ?? '')?.has(TRACEPARENT)).toBe(true)
      const restarted = await connectAgent({ agentId: 'writer' })
      await restarted.resumeReply(reply()?.id ?? '').pipe(numberedTokens(3))
      await expect.poll(() => reply()?.status).toBe('done')
      expect(findMessage(alice.doc, reply()?.id ?? '')?.has(TRACEPARENT)).toBe(false)
    },
  )

  test('closing an agent ends the span of a reply still open as abandoned', async ({
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const { agent, reply } = await askAgent({ connectClient, connectAgent }, endlessTokens, tracer)
    expect(finished(SPAN_NAMES.REPLY, sessionId)).toEqual([])
    await agent.close()
    const [span] = finished(SPAN_NAMES.REPLY, sessionId)
    expect(span?.attributes[TRACE_ATTRIBUTES.REPLY_END]).toBe('abandoned')
    expect(span?.attributes[TRACE_ATTRIBUTES.MESSAGE_ID]).toBe(reply()?.id)
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'agent closed' })
  })

  test('with the API alone (no provider registered) replies carry no traceparent and stream as usual', async ({
    connectClient,
    connectAgent,
  }) => {
    expect(trace.getTracer(TRACER_NAME).startSpan('probe').isRecording()).toBe(false)
    const { alice, reply } = await askAgent({ connectClient, connectAgent }, () => numberedTokens(50), undefined)
    await expect.poll(() => reply()?.status, { timeout: 10_000 }).toBe('done')
    expect(findMessage(alice.doc, reply()?.id ?? '')?.has(TRACEPARENT)).toBe(false)
  })
})

/**
 * HTTP session streams (`npm run bench:streams`, PROTOCOL.md §9): an agent appending over HTTP (one POST with
 * producer headers per token) read by an SSE client of the session's event stream, against the same tokens written
 * by a Yjs agent (one flushed update per token) read by a Yjs viewer, measured in the same run on the same server.
 * Then a new reader's catch-up: GET of the whole event stream against GET of the transcript. Prints p50/p99 delay
 * per token (start of the write → the reader has it), tokens/s and the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { stream } from '@durable-streams/client'
import { createAgentSession } from '../client/agent/agent-session.ts'
import { NodeWebSocket } from '../client/agent/node-websocket.ts'
import { createSessionClient } from '../client/core/session-client.ts'
import { waitForCondition } from '../client/core/wait-for-condition.ts'
import { createSessionServer } from '../server/session-server.ts'
import { sessionStreamPath } from '../shared/protocol/session-stream-path.ts'
import type { SessionEvent } from '../shared/protocol/session-events.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { STREAM_HEADERS } from '../shared/protocol/durable-streams.ts'

const TOKENS = Number(process.env.BENCH_TOKENS ?? 1_000)
const CATCH_UP_READS = 20

interface Run {
  readonly delaysMs: number[]
  readonly tokensPerSecond: number
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-streams-'))
const server = await createSessionServer({ port: 0, dataPath: join(dir, 'bench.sqlite'), onError: () => {} })

async function yjsRun(sessionId: string): Promise<Run> {
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'yjs-agent' })
  const viewer = createSessionClient({
    url: server.websocketUrl,
    sessionId,
    principalId: 'viewer',
    WebSocket: NodeWebSocket,
  })
  await viewer.waitForSynced()
  const reply = agent.startReply()
  const delaysMs: number[] = []
  const started = performance.now()
  let text = ''
  for (let index = 0; index < TOKENS; index++) {
    const token = tokenAt(index)
    text += token
    const sentAt = performance.now()
    reply.append(token)
    reply.flush()
    const expected = text.length
    await waitForCondition(
      (listener) => {
        viewer.on('change', listener)
        return () => viewer.off('change', listener)
      },
      () => (viewer.messages().find((message) => message.id === reply.id)?.text.length ?? 0) >= expected,
      10_000,
      'the token to reach the viewer',
    )
    delaysMs.push(performance.now() - sentAt)
  }
  const tokensPerSecond = TOKENS / ((performance.now() - started) / 1000)
  await reply.end('done')
  viewer.destroy()
  await agent.close()
  return { delaysMs, tokensPerSecond }
}

async function httpRun(sessionId: string): Promise<Run> {
  await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: sessionId }),
  })
  const url = `${server.url}${sessionStreamPath(sessionId)}`
  const tail = (await fetch(`${url}?offset=now`)).headers.get(STREAM_HEADERS.NEXT_OFFSET) ?? '-1'
  let received = 0
  let wake = (): void => {}
  const reader = await stream<SessionEvent>({ url, offset: tail, live: 'sse' })
  reader.subscribeJson((batch) => {
    for (const event of batch.items) if (event.type === 'message.delta') received += event.text.length
    wake()
  })
  let seq = 0
  const post = async (commands: unknown): Promise<void> => {
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(commands),
      headers: {
        'content-type': 'application/json',
        [STREAM_HEADERS.PRODUCER_ID]: 'http-agent',
        [STREAM_HEADERS.PRODUCER_EPOCH]: '0',
        [STREAM_HEADERS.PRODUCER_SEQ]: String(seq++),
      },
    })
    if (response.status !== 200) throw new Error(`append answered ${response.status}`)
  }
  await post({ type: 'start', messageId: 'r1' })
  const delaysMs: number[] = []
  const started = performance.now()
  let sent = 0
  for (let index = 0; index < TOKENS; index++) {
    const token = tokenAt(index)
    sent += token.length
    const sentAt = performance.now()
    await post({ type: 'text', messageId: 'r1', text: token })
    if (received < sent)
      await new Promise<void>((resolve) => {
        wake = () => {
          if (received >= sent) resolve()
        }
      })
    delaysMs.push(performance.now() - sentAt)
  }
  const tokensPerSecond = TOKENS / ((performance.now() - started) / 1000)
  await post({ type: 'end', messageId: 'r1', status: 'done' })
  reader.cancel()
  return { delaysMs, tokensPerSecond }
}

async function medianReadMs(url: string): Promise<{ ms: number; bytes: number }> {
  const times: number[] = []
  let bytes = 0
  for (let index = 0; index < CATCH_UP_READS; index++) {
    const startedAt = performance.now()
    bytes = (await (await fetch(url)).arrayBuffer()).byteLength
    times.push(performance.now() - startedAt)
  }
  return { ms: quantile(times, 0.5), bytes }
}

try {
  const yjs = await yjsRun('bench-yjs')
  const http = await httpRun('bench-http')
  const events = await medianReadMs(`${server.url}${sessionStreamPath('bench-http')}?offset=-1`)
  const transcript = await medianReadMs(`${server.url}/v1/sessions/bench-http`)
  const row = (label: string, run: Run): string =>
    `${label.padEnd(40)} ${quantile(run.delaysMs, 0.5).toFixed(2).padStart(8)} ${quantile(run.delaysMs, 0.99).toFixed(2).padStart(8)} ${run.tokensPerSecond.toFixed(0).padStart(8)}`
  console.log(`node ${process.version}, ${cpus().length} CPUs, ${TOKENS} tokens, one write per token, SQLite`)
  console.log(`${'writer → reader'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'tok/s'.padStart(8)}`)
  console.log(row('Yjs agent → Yjs viewer (baseline)', yjs))
  console.log(row('HTTP POST + producer → SSE event stream', http))
  console.log(
    `ratio HTTP/Yjs: p50 ${(quantile(http.delaysMs, 0.5) / quantile(yjs.delaysMs, 0.5)).toFixed(2)}×, p99 ${(quantile(http.delaysMs, 0.99) / quantile(yjs.delaysMs, 0.99)).toFixed(2)}×, throughput ${(http.tokensPerSecond / yjs.tokensPerSecond).toFixed(2)}×`,
  )
  console.log(
    `catch-up of ${TOKENS + 2} events: event stream GET ${events.ms.toFixed(2)} ms (${events.bytes} B), transcript GET (baseline) ${transcript.ms.toFixed(2)} ms (${transcript.bytes} B), ratio ${(events.ms / transcript.ms).toFixed(2)}×`,
  )
} finally {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
}

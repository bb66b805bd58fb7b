/**
 * Steering latency (`npm run bench:steer`): a second device posts `stop` while an agent streams; the time until
 * the agent's AbortSignal fires is measured over many rounds and compared with a raw `ws` relay's one-way message
 * latency between two clients measured in the same run (the floor for any relay). Prints p50/p99 and the ratios.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket, { WebSocketServer } from 'ws'
import { createAgentSession } from '../client/agent/agent-session.ts'
import { NodeWebSocket } from '../client/agent/node-websocket.ts'
import { createSessionClient } from '../client/core/session-client.ts'
import { waitForCondition } from '../client/core/wait-for-condition.ts'
import { createSessionServer } from '../server/session-server.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'

const ROUNDS = 60

/** Percentile of sorted values (nearest rank). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

async function lifelineStopLatencies(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-steer-'))
  const server = await createSessionServer({ port: 0, dataPath: join(dir, 'bench.sqlite') })
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId: 'bench-steer', agentId: 'agent' })
  const device = createSessionClient({
    url: server.websocketUrl,
    sessionId: 'bench-steer',
    principalId: 'user',
    WebSocket: NodeWebSocket,
  })
  await device.waitForSynced()
  const latencies: number[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const reply = agent.startReply()
      const aborted = new Promise<number>((resolve) => {
        reply.signal.addEventListener('abort', () => resolve(performance.now()))
      })
      const streamed = reply.pipe(endless(reply.signal))
      // Stop once the device sees the reply streaming, as a person would.
      await waitForCondition(
        (listener) => {
          device.on('change', listener)
          return () => device.off('change', listener)
        },
        () => device.messages().some((message) => message.id === reply.id && message.text.length > 0),
        10_000,
        'the reply to reach the device',
      )
      const stoppedAt = performance.now()
      device.steer({ kind: 'stop', target: reply.id })
      latencies.push((await aborted) - stoppedAt)
      await streamed
      if ((round + 1) % 20 === 0) process.stderr.write(`lifeline: ${round + 1}/${ROUNDS} stops\n`)
    }
  } finally {
    device.destroy()
    await agent.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return latencies
}

async function rawRelayLatencies(): Promise<number[]> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((resolve) => {
    wss.once('listening', () => resolve())
  })
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      for (const peer of wss.clients) if (peer !== socket) peer.send(data)
    })
  })
  const port = (wss.address() as { port: number }).port
  const open = (): Promise<WebSocket> =>
    new Promise((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}`)
      socket.once('open', () => resolve(socket))
    })
  const [agent, device] = [await open(), await open()]
  const latencies: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const received = new Promise<number>((resolve) => {
      agent.once('message', () => resolve(performance.now()))
    })
    const sentAt = performance.now()
    device.send(JSON.stringify({ kind: 'stop', round }))
    latencies.push((await received) - sentAt)
  }
  agent.close()
  device.close()
  await new Promise<void>((resolve) => {
    wss.close(() => resolve())
  })
  return latencies
}

async function* endless(signal: AbortSignal): AsyncGenerator<string> {
  for (let index = 0; !signal.aborted; index++) {
    yield tokenAt(index)
    await new Promise<void>((resolve) => {
      setTimeout(resolve, 5)
    }) // paced like a fast model: 200 tok/s
  }
}

const raw = (await rawRelayLatencies()).sort((a, b) => a - b)
const lifeline = (await lifelineStopLatencies()).sort((a, b) => a - b)
const row = (label: string, values: number[]): string =>
  `${label.padEnd(34)} ${percentile(values, 50).toFixed(2).padStart(8)} ${percentile(values, 99).toFixed(2).padStart(8)}`
console.log(`node ${process.version}, ${cpus().length} CPUs, ${ROUNDS} rounds each`)
console.log(`${'path'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`)
console.log(row('raw ws relay: device → agent', raw))
console.log(row('lifeline: stop → AbortSignal', lifeline))
console.log(
  `ratio lifeline/raw: p50 ${(percentile(lifeline, 50) / percentile(raw, 50)).toFixed(1)}×, p99 ${(percentile(lifeline, 99) / percentile(raw, 99)).toFixed(1)}×`,
)

/**
 * runRawRelay: the baseline. A minimal `ws` server on 127.0.0.1 rebroadcasts every frame of the producer socket
 * to all viewer sockets; each frame is one token `<seq>|t<seq> ` and viewers stamp its arrival.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { waitForCondition } from '../client/core/wait-for-condition.ts'
import { tokenAt } from '../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from './arrival-tracker.ts'
import { timedTokens, type StreamPlan } from './stream-plan.ts'

const CONNECT_TIMEOUT_MS = 30_000
const PRODUCER_PATH = '/produce'

/** Runs `plan` through a raw relay and returns its latency and throughput. */
export async function runRawRelay (plan: StreamPlan, deliveryTimeoutMs: number): Promise<StreamStats> {
  const relay = await startRelay()
  const sockets: WebSocket[] = []
  try {
    const tracker = createArrivalTracker(plan.viewers, plan.tokens)
    for (let viewer = 0; viewer < plan.viewers; viewer++) {
      const socket = new WebSocket(`${relay.url}/view`)
      socket.on('message', (data) => { tracker.markReceived(viewer, parseSeq(data) + 1, performance.now()) })
      sockets.push(socket)
    }
    const producer = new WebSocket(`${relay.url}${PRODUCER_PATH}`)
    sockets.push(producer)
    await Promise.all(sockets.map((socket) => once(socket, 'open')))
    await relay.waitForViewers(plan.viewers)

    const sentAt = new Float64Array(plan.tokens)
    for await (const index of timedTokens(plan, sentAt)) producer.send(`${index}|${tokenAt(index)}`)
    await tracker.waitForAll(deliveryTimeoutMs)
    return tracker.stats(sentAt)
  } finally {
    for (const socket of sockets) socket.terminate()
    await relay.close()
  }
}

interface Relay {
  readonly url: string
  waitForViewers (count: number): Promise<void>
  close (): Promise<void>
}

async function startRelay (): Promise<Relay> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const viewers = new Set<WebSocket>()
  server.on('connection', (socket, request) => {
    if (request.url === PRODUCER_PATH) {
      socket.on('message', (data, isBinary) => {
        for (const viewer of viewers) viewer.send(data, { binary: isBinary })
      })
      return
    }
    viewers.add(socket)
    socket.on('close', () => { viewers.delete(socket) })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    waitForViewers: (count) => waitForCondition(
      (listener) => { server.on('connection', listener); return () => { server.off('connection', listener) } },
      () => viewers.size === count, CONNECT_TIMEOUT_MS, `${count} raw viewers to connect`),
    async close () {
      for (const socket of server.clients) socket.terminate()
      await new Promise<void>((resolve, reject) => { server.close((error) => { if (error) reject(error); else resolve() }) })
    },
  }
}

function parseSeq (data: WebSocket.RawData): number {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
  return Number.parseInt(bytes.toString('latin1'), 10)
}

/**
 * Python SDK latency (`npm run bench:python`): a Python agent (bench/python/paced_agent.py, the `lifeline` package
 * over HTTP) and a Node agent (the agent SDK over a WebSocket) answer the same viewer on one server in the same run.
 * Measured: token delivery (a token's send time, carried in its text, to the moment the Node viewer's document holds
 * it) and stop delivery (the viewer's stop steer to the moment the agent sees it). Prints p50/p90 of each and the
 * Python/Node ratios. Same machine, so one clock for both sides.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { createAgentSession } from '../client/agent/agent-session.ts'
import { NodeWebSocket } from '../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../client/core/session-client.ts'
import { createSessionServer } from '../server/session-server.ts'

const ROUNDS = 8
const TOKENS = 40
const INTERVAL_MS = 20

/** Resolves once `condition` holds (checked every 2 ms; the measured times are taken where things happen, not here). */
async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('bench condition timed out')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

/** Records, for every reply text the viewer sees grow, when each `<i>:<ms>|` token arrived after it was sent. */
function watchTokens(viewer: SessionClient, delays: number[]): () => void {
  const seen = new Map<string, number>()
  const onChange = (): void => {
    const at = Date.now()
    for (const message of viewer.messages()) {
      if (message.role !== 'assistant') continue
      const tokens = message.text.split('|').slice(0, -1)
      for (const token of tokens.slice(seen.get(message.id) ?? 0)) delays.push(at - Number(token.split(':')[1]))
      seen.set(message.id, tokens.length)
    }
  }
  viewer.on('change', onChange)
  return () => viewer.off('change', onChange)
}

async function main(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'lifeline-bench-python-'))
  const server = await createSessionServer({ port: 0, dataPath: join(folder, 'bench.sqlite') })
  const results: Record<'python' | 'node', { tokens: number[]; stops: number[] }> = {
    python: { tokens: [], stops: [] },
    node: { tokens: [], stops: [] },
  }
  try {
    for (const side of ['node', 'python'] as const) {
      const sessionId = `bench-${side}`
      await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id: sessionId }) })
      const viewer = createSessionClient({
        url: server.websocketUrl,
        sessionId,
        principalId: 'viewer',
        WebSocket: NodeWebSocket,
      })
      await viewer.waitForSynced()
      const stopSeen: number[] = []
      let close: () => void
      if (side === 'node') {
        const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'node-agent' })
        agent.onUserMessage(async (message) => {
          const reply = agent.startReply({ replyTo: message.id })
          reply.signal.addEventListener('abort', () => stopSeen.push(Date.now()))
          async function* paced(): AsyncGenerator<string> {
            for (let index = 0; index < TOKENS && !reply.signal.aborted; index++) {
              yield `${index}:${Date.now()}|`
              await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
            }
          }
          await reply.pipe(paced(), { signal: reply.signal })
        })
        close = () => agent.client.destroy()
      } else {
        const child = spawn(
          'python3',
          [
            new URL('./python/paced_agent.py', import.meta.url).pathname,
            server.url,
            sessionId,
            String(ROUNDS * 2),
            String(TOKENS),
            String(INTERVAL_MS),
          ],
          { env: { ...process.env, PYTHONPATH: new URL('../python/src', import.meta.url).pathname }, stdio: 'pipe' },
        )
        createInterface({ input: child.stdout }).on('line', (line) => {
          const { stoppedAt } = JSON.parse(line) as { stoppedAt: number | null }
          if (stoppedAt !== null) stopSeen.push(stoppedAt)
        })
        close = () => child.kill()
      }
      const stopWatching = watchTokens(viewer, results[side].tokens)
      for (let round = 0; round < ROUNDS; round++) {
        // A full reply, for token delivery.
        const question = viewer.sendMessage(`tokens ${round}`)
        await until(() => viewer.messages().some((m) => m.replyTo === question && m.status === 'done'), 30_000)
        // A reply stopped half-way, for stop delivery.
        const stopped = viewer.sendMessage(`stop ${round}`)
        await until(() => {
          const reply = viewer.messages().find((m) => m.replyTo === stopped)
          return reply !== undefined && reply.text.split('|').length > 5
        }, 30_000)
        const reply = viewer.messages().find((m) => m.replyTo === stopped)
        const before = stopSeen.length
        const sentAt = Date.now()
        viewer.steer({ kind: 'stop', target: reply?.id as string })
        await until(() => stopSeen.length > before, 30_000)
        results[side].stops.push((stopSeen[stopSeen.length - 1] as number) - sentAt)
        await until(() => viewer.messages().some((m) => m.replyTo === stopped && m.status === 'stopped'), 30_000)
      }
      stopWatching()
      close()
      viewer.destroy()
    }
  } finally {
    await server.close()
    rmSync(folder, { recursive: true, force: true })
  }
  const row = (name: string, key: 'tokens' | 'stops'): string => {
    const [p, n] = [results.python[key], results.node[key]]
    const fmt = (values: number[]): string =>
      `p50 ${percentile(values, 50).toFixed(1)} ms, p90 ${percentile(values, 90).toFixed(1)} ms (n=${values.length})`
    return `| ${name} | ${fmt(n)} | ${fmt(p)} | ${(percentile(p, 50) / percentile(n, 50)).toFixed(2)} | ${(percentile(p, 90) / percentile(n, 90)).toFixed(2)} |`
  }
  console.log('| Latency | Node SDK | Python SDK | Python/Node p50 | Python/Node p90 |')
  console.log('|---|---|---|---|---|')
  console.log(row('token to viewer', 'tokens'))
  console.log(row('stop to agent', 'stops'))
}

await main()

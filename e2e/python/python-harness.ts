/**
 * The live server of the Python SDK's tests (python/tests/): starts a real session server with auth on port 0 over
 * SQLite in a temporary folder (a second one without auth, a third without auth but with a message policy that
 * redacts contact details and rejects "forbidden words"), prints `{ url, openUrl, policyUrl }` as its first line, then
 * answers JSON commands, one per stdin line, with one JSON line each: tokens on the server's clock (which a command
 * can move forward, so a token expires without waiting), and Node devices and agents (the real SDKs) that the Python
 * tests steer and watch (their messages, steering entries and presence). It stops, removing its folder, when stdin closes or on SIGTERM.
 *
 *   npx tsx e2e/python/python-harness.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { redactContactDetails } from '../../server/policy/redact-contact-details.ts'
import { createSessionServer } from '../../server/session-server.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { readSteering } from '../../shared/session/session-doc.ts'
import { TEST_AUTH_SECRET } from '../testing/test-tokens.ts'

/** How long an HTTP device's presence lease lasts on the test servers, in ms (short, so leaving is seen soon). */
const PRESENCE_TIMEOUT_MS = 1_500

const folder = mkdtempSync(join(tmpdir(), 'lifeline-python-'))
let clockOffsetMs = 0
const now = (): number => Date.now() + clockOffsetMs
const streams = { longPollTimeoutMs: 2_000 }
const server = await createSessionServer({
  port: 0,
  dataPath: join(folder, 'auth.sqlite'),
  auth: { secret: TEST_AUTH_SECRET, now },
  presenceTimeoutMs: PRESENCE_TIMEOUT_MS,
  streams,
})
const open = await createSessionServer({
  port: 0,
  dataPath: join(folder, 'open.sqlite'),
  presenceTimeoutMs: PRESENCE_TIMEOUT_MS,
  streams,
})

const policed = await createSessionServer({
  port: 0,
  dataPath: join(folder, 'policy.sqlite'),
  presenceTimeoutMs: PRESENCE_TIMEOUT_MS,
  streams,
  policy: (input) =>
    input.text.includes('forbidden words')
      ? { action: 'reject', reason: 'no forbidden words here' }
      : redactContactDetails(input),
})

const mint = (sub: string, role: PrincipalRole, session: string, ttlSeconds = 3600): string =>
  signToken(createTokenClaims({ sub, role, session, ttlSeconds, nowMs: now() }), TEST_AUTH_SECRET)

const devices = new Map<string, SessionClient>()
const agents = new Map<string, AgentSession>()
let handles = 0

/** A Node agent that answers each user message with `tokens`, one every `delayMs`, until stopped; a redirect is answered with its text. */
async function startAgent(command: Record<string, unknown>): Promise<string> {
  const sessionId = String(command.session)
  const agentId = String(command.agentId ?? 'node-agent')
  const tokens = (command.tokens as string[] | undefined) ?? ['one ', 'two ', 'three']
  const delayMs = Number(command.delayMs ?? 20)
  const agent = await createAgentSession({
    url: server.websocketUrl,
    sessionId,
    agentId,
    token: () => mint(agentId, 'agent', sessionId),
  })
  async function* paced(words: readonly string[], signal: AbortSignal): AsyncGenerator<string> {
    for (const word of words) {
      if (signal.aborted) return
      yield word
      await new Promise((resolve) => setTimeout(resolve, delayMs))
    }
  }
  agent.onUserMessage(async (message) => {
    const reply = agent.startReply({ replyTo: message.id })
    await reply.pipe(paced(tokens, reply.signal), { signal: reply.signal })
  })
  agent.onSteer(async (steer) => {
    if (steer.kind !== 'redirect' || steer.text === undefined || steer.target === undefined) return
    const target = agent.client.messages().find((message) => message.id === steer.target)
    const reply = agent.startReply(target?.replyTo === undefined ? {} : { replyTo: target.replyTo })
    await reply.pipe(paced([`redirected: ${steer.text}`], reply.signal))
  })
  const handle = `agent-${++handles}`
  agents.set(handle, agent)
  return handle
}

async function run(command: Record<string, unknown>): Promise<unknown> {
  switch (command.cmd) {
    case 'mint':
      return mint(
        String(command.sub),
        command.role as PrincipalRole,
        String(command.session),
        Number(command.ttlSeconds ?? 3600),
      )
    case 'advanceClock':
      clockOffsetMs += Number(command.ms)
      return clockOffsetMs
    case 'device': {
      const sessionId = String(command.session)
      const principalId = String(command.principalId)
      const client = createSessionClient({
        url: server.websocketUrl,
        sessionId,
        principalId,
        device: String(command.device ?? 'node'),
        WebSocket: NodeWebSocket,
        token: () => mint(principalId, (command.role as PrincipalRole | undefined) ?? 'user', sessionId),
      })
      await client.waitForSynced()
      const handle = `device-${++handles}`
      devices.set(handle, client)
      return handle
    }
    case 'send': {
      const client = devices.get(String(command.handle)) as SessionClient
      const id = client.sendMessage(String(command.text))
      await client.waitUntilDurable()
      return id
    }
    case 'steer': {
      const client = devices.get(String(command.handle)) as SessionClient
      const id = client.steer({
        kind: command.kind as 'stop',
        ...(command.target === undefined ? {} : { target: String(command.target) }),
        ...(command.text === undefined ? {} : { text: String(command.text) }),
      })
      await client.waitUntilDurable()
      return id
    }
    case 'messages':
      return (devices.get(String(command.handle)) as SessionClient).messages().map((message) => ({
        id: message.id,
        role: message.role,
        author: message.author,
        status: message.status,
        text: message.text,
        ...(message.replyTo === undefined ? {} : { replyTo: message.replyTo }),
      }))
    case 'steering':
      return readSteering((devices.get(String(command.handle)) as SessionClient).doc)
    case 'presence':
      return (devices.get(String(command.handle)) as SessionClient).presence()
    case 'close': {
      const handle = String(command.handle)
      devices.get(handle)?.destroy()
      agents.get(handle)?.client.destroy()
      devices.delete(handle)
      agents.delete(handle)
      return true
    }
    case 'agent':
      return await startAgent(command)
    default:
      throw new Error(`unknown command ${String(command.cmd)}`)
  }
}

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  for (const client of devices.values()) client.destroy()
  for (const agent of agents.values()) agent.client.destroy()
  await Promise.all([server.close(), open.close(), policed.close()])
  rmSync(folder, { recursive: true, force: true })
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
const lines = createInterface({ input: process.stdin })
lines.on('close', () => void stop())
lines.on('line', (line) => {
  const command = JSON.parse(line) as Record<string, unknown>
  run(command).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: command.id, result })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ id: command.id, error: String(error) })}\n`),
  )
})
process.stdout.write(`${JSON.stringify({ url: server.url, openUrl: open.url, policyUrl: policed.url })}\n`)

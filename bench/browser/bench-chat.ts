/**
 * BenchChat: the two chats the browser bench drives the same way — the demo page on a real Lifeline server
 * (SQLite, persist-before-ack, the agent SDK in this process) and the peer page on a raw `ws` relay
 * (serve-relay-chat.ts) — so each measurement runs the same steps against both.
 */
import type { Page } from '@playwright/test'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import type { RelayChat, RelayFrame } from './serve-relay-chat.ts'

/** A reply being written by the agent. */
export interface BenchReply {
  /** Hands one token to the SDK (Lifeline) or the socket (relay). */
  append(token: string): void
  end(): Promise<void>
}

/** The agent of one open conversation. */
export interface BenchAgent {
  /** Opens a reply; resolves once it is written (not necessarily shown). */
  startReply(): Promise<BenchReply>
  /** From now on, answers every user message at once with one token. */
  answerInstantly(): void
  close(): Promise<void>
}

/** One chat under test. */
export interface BenchChat {
  /** `lifeline` or `raw`: the column of its figures. */
  readonly system: 'lifeline' | 'raw'
  /** Opens a new conversation on `page` and its agent; resolves once the page is connected. */
  open(page: Page, name: string): Promise<BenchAgent>
}

/** Creates a session over the public HTTP API. @throws Error when the server refuses */
export async function createBenchSession(server: SessionServer, sessionId: string): Promise<void> {
  const response = await fetch(`${server.url}${ROUTES.SESSIONS}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: sessionId, title: sessionId }),
  })
  if (response.status !== 201) throw new Error(`creating ${sessionId}: ${response.status} ${await response.text()}`)
}

/** The demo page on `server` (started with the demo page handler). */
export function lifelineChat(server: SessionServer): BenchChat {
  return {
    system: 'lifeline',
    async open(page, name) {
      await createBenchSession(server, name)
      await page.goto(`${server.url}/?session=${encodeURIComponent(name)}`)
      await page.locator('[data-testid="status-badge"][data-status="synced"]').waitFor()
      const agent = await createAgentSession({ url: server.websocketUrl, sessionId: name, agentId: 'bench-agent' })
      return {
        startReply: async () => {
          const writer = agent.startReply()
          await agent.client.waitUntilDurable()
          return { append: (token) => writer.append(token), end: () => writer.end('done') }
        },
        answerInstantly: () => {
          agent.onUserMessage(async (message) => {
            const writer = agent.startReply({ replyTo: message.id })
            writer.append(tokenAt(0))
            await writer.end('done')
          })
        },
        close: () => agent.close(),
      }
    },
  }
}

/** The peer page on `relay`. */
export function relayChat(relay: RelayChat): BenchChat {
  return {
    system: 'raw',
    async open(page) {
      await page.goto(relay.url)
      await page.locator('body[data-relay="open"]').waitFor()
      const socket = await relay.connect()
      const send = (frame: RelayFrame): void => {
        socket.send(JSON.stringify(frame))
      }
      let replies = 0
      return {
        startReply: async () => {
          const id = `r${replies++}`
          send({ kind: 'reply', id, text: '' })
          return { append: (text) => send({ kind: 'reply', id, text }), end: async () => {} }
        },
        answerInstantly: () => {
          socket.on('message', (data) => {
            const frame = JSON.parse(String(data)) as RelayFrame
            if (frame.kind === 'user') send({ kind: 'reply', id: `r-${frame.id}`, replyTo: frame.id, text: tokenAt(0) })
          })
        },
        close: async () => {
          socket.close()
        },
      }
    },
  }
}

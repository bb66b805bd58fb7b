/**
 * BenchChat: the two chats the browser bench drives the same way — the demo page on a real Lifeline server
 * (SQLite, persist-before-ack, the agent SDK in this process) and the peer page on a raw `ws` relay
 * (serve-relay-chat.ts) — so each measurement runs the same steps against both.
 */
import type { Page } from '@playwright/test'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import { benchHistory } from './bench-history.ts'
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

/** How a conversation starts. */
export interface BenchOpenOptions {
  /** Earlier messages it holds (bench-history.ts), shown before the agent starts; default none. */
  readonly history?: number
}

/** One chat under test. */
export interface BenchChat {
  /** `lifeline` or `raw`: the column of its figures. */
  readonly system: 'lifeline' | 'raw'
  /** Opens a new conversation on `page` and its agent; resolves once the page is connected and shows its history. */
  open(page: Page, name: string, options?: BenchOpenOptions): Promise<BenchAgent>
}

/** Resolves once `page` shows `count` messages. */
async function waitForMessages(page: Page, count: number): Promise<void> {
  if (count > 0)
    await page
      .locator('[data-testid="message"]')
      .nth(count - 1)
      .waitFor()
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

/**
 * Writes `count` earlier messages into the session `name` in one update, as one principal. @throws SessionError when the
 * server refuses them (its message rate must allow `count` at once)
 */
async function writeHistory(server: SessionServer, name: string, count: number): Promise<void> {
  const writer = createSessionClient({
    url: server.websocketUrl,
    sessionId: name,
    principalId: 'bench-history',
    WebSocket: NodeWebSocket,
  })
  try {
    writer.doc.transact(() => {
      for (const message of benchHistory(count))
        appendMessage(writer.doc, {
          ...message,
          author: message.role === 'user' ? 'bench-person' : 'bench-agent',
          status: 'done',
        })
    })
    await writer.waitUntilDurable()
  } finally {
    writer.destroy()
  }
}

/**
 * The demo page on `server` (started with the demo page handler). A conversation with a history needs a server whose
 * message rate lets one principal write it at once.
 */
export function lifelineChat(server: SessionServer): BenchChat {
  return {
    system: 'lifeline',
    async open(page, name, { history = 0 } = {}) {
      await createBenchSession(server, name)
      if (history > 0) await writeHistory(server, name, history)
      await page.goto(`${server.url}/?session=${encodeURIComponent(name)}`)
      await page.locator('[data-testid="status-badge"][data-status="synced"]').waitFor()
      await waitForMessages(page, history)
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
    async open(page, _name, { history = 0 } = {}) {
      await page.goto(relay.url)
      await page.locator('body[data-relay="open"]').waitFor()
      const socket = await relay.connect()
      const send = (frame: RelayFrame): void => {
        socket.send(JSON.stringify(frame))
      }
      for (const message of benchHistory(history)) send({ kind: 'history', ...message })
      await waitForMessages(page, history)
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

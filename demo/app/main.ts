/**
 * The demo chat page: a session list, one live session with streaming replies, a composer and a connection
 * badge. It talks to the server only through the client SDK and the public HTTP API. When the server requires tokens,
 * open the link `npm start` prints (`/#token=…`): the token is kept in localStorage, sent with every request and
 * names the principal.
 */
import { createBrowserSessionClient } from '../../client/browser/browser-session-client.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { decodeTokenClaims } from '../../shared/auth/token-claims.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { DEMO_STORAGE_KEYS } from './demo-storage-keys.ts'
import { registerServiceWorker } from './register-service-worker.ts'
import { renderMessageList } from './render-message-list.ts'

interface SessionSummary {
  id: string
  title: string
  createdAt: number
  updatedAt: number
}

const byTestId = <T extends HTMLElement>(id: string): T => {
  const element = document.querySelector<T>(`[data-testid="${id}"]`)
  if (element === null) throw new Error(`missing element ${id}`)
  return element
}

const token = readToken()
const claims = token === undefined ? undefined : decodeTokenClaims(token)
const principalId =
  claims?.sub ?? localStorage.getItem(DEMO_STORAGE_KEYS.PRINCIPAL) ?? `web-${crypto.randomUUID().slice(0, 8)}`
localStorage.setItem(DEMO_STORAGE_KEYS.PRINCIPAL, principalId)
const authHeaders: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
const device = `${navigator.platform || 'browser'} tab ${crypto.randomUUID().slice(0, 4)}`

registerServiceWorker()
void main()

async function main(): Promise<void> {
  const requested = new URLSearchParams(location.search).get('session')
  // Offline, the list cannot be fetched: open the requested session from its IndexedDB copy anyway.
  const sessions = await listSessions().catch(() => [])
  const sessionId = requested ?? sessions[0]?.id ?? (await createSession()).id
  if (requested === null) history.replaceState(null, '', `?session=${encodeURIComponent(sessionId)}`)
  const known = requested === null || sessions.some((session) => session.id === requested)
  renderSessionList(known ? sessions : await listSessions().catch(() => sessions), sessionId)
  byTestId('new-session').addEventListener('click', () => {
    void createSession().then((created) => {
      location.search = `?session=${encodeURIComponent(created.id)}`
    })
  })
  const client = createBrowserSessionClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ROUTES.WEBSOCKET}`,
    sessionId,
    principalId,
    device,
    ...(token === undefined ? {} : { token }),
    ...(claims === undefined ? {} : { role: claims.role }),
  })
  bindComposer(client)
  bindSteer(client)
  bindStatus(client)
  bindPresence(client)
  const title = byTestId('session-title')
  title.textContent = sessions.find((session) => session.id === sessionId)?.title || sessionId
  let framePending = false
  const messageList = byTestId('messages')
  const render = (): void => {
    renderMessageList(messageList, client.messages(), {
      stop: (messageId) => {
        client.steer({ kind: 'stop', target: messageId })
      },
    })
  }
  client.on('change', () => {
    if (framePending) return
    framePending = true
    requestAnimationFrame(() => {
      framePending = false
      render()
    })
  })
  render()
}

/** The token from a `#token=…` link (then removed from the address bar), else the one kept from an earlier link. */
function readToken(): string | undefined {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromLink !== null && fromLink !== '') {
    localStorage.setItem(DEMO_STORAGE_KEYS.TOKEN, fromLink)
    history.replaceState(null, '', `${location.pathname}${location.search}`)
  }
  return localStorage.getItem(DEMO_STORAGE_KEYS.TOKEN) ?? undefined
}

async function listSessions(): Promise<SessionSummary[]> {
  const response = await fetch(`${ROUTES.SESSIONS}?limit=50`, { headers: authHeaders })
  return ((await response.json()) as { sessions: SessionSummary[] }).sessions
}

async function createSession(): Promise<SessionSummary> {
  const title = `Session ${new Date().toLocaleString()}`
  const response = await fetch(ROUTES.SESSIONS, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authHeaders },
    body: JSON.stringify({ title }),
  })
  return (await response.json()) as SessionSummary
}

function renderSessionList(sessions: SessionSummary[], current: string): void {
  const list = byTestId('session-list')
  list.replaceChildren(
    ...sessions.map((session) => {
      const link = document.createElement('a')
      link.className = 'session-link'
      link.href = `?session=${encodeURIComponent(session.id)}`
      link.textContent = session.title || session.id
      if (session.id === current) link.setAttribute('aria-current', 'page')
      return link
    }),
  )
}

function bindComposer(client: SessionClient): void {
  const form = byTestId<HTMLFormElement>('composer')
  const input = byTestId<HTMLTextAreaElement>('composer-input')
  const send = (): void => {
    const text = input.value.trim()
    if (text === '') return
    client.sendMessage(text)
    input.value = ''
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    send()
  })
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault()
      send()
    }
  })
}

function streamingReply(client: SessionClient): MessageView | undefined {
  return client.messages().find((message) => message.role === 'assistant' && message.status === 'streaming')
}

function bindSteer(client: SessionClient): void {
  const form = byTestId<HTMLFormElement>('steer-form')
  const input = byTestId<HTMLInputElement>('steer-input')
  client.on('change', () => {
    form.hidden = streamingReply(client) === undefined
  })
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const reply = streamingReply(client)
    const text = input.value.trim()
    if (reply === undefined || text === '') return
    client.steer({ kind: 'redirect', target: reply.id, text })
    input.value = ''
  })
}

function bindPresence(client: SessionClient): void {
  const list = byTestId('presence-list')
  const render = (): void => {
    list.replaceChildren(
      ...client.presence().map((member) => {
        const item = document.createElement('li')
        item.textContent = member.self
          ? 'this tab'
          : `${member.principalId}${member.device === undefined ? '' : ` · ${member.device}`}`
        item.title = `${member.principalId}${member.device === undefined ? '' : ` · ${member.device}`}`
        item.dataset.self = String(member.self)
        return item
      }),
    )
  }
  client.on('presence', render)
  render()
}

function bindStatus(client: SessionClient): void {
  const badge = byTestId('status-badge')
  const render = (): void => {
    badge.dataset.status = client.status
    badge.dataset.transport = client.transport ?? ''
    const state = client.unsyncedChanges > 0 && client.status === 'synced' ? 'saving…' : client.status
    // The WebSocket is the normal case; a fallback is worth showing (PROTOCOL.md §7).
    badge.textContent =
      client.transport === undefined || client.transport === 'websocket' ? state : `${state} · ${client.transport}`
    badge.title = `transport: ${client.transport ?? 'choosing'}`
  }
  client.on('status', render)
  client.on('unsynced', render)
  client.on('transport', render)
  render()
}

/**
 * The operators' live inspector (served at `GET /v1/inspect`): lists sessions and shows one live — messages,
 * runs, steering, presence and token rate — through the public session client, connected as an observer. The
 * token comes from the form or a `#token=…&session=…` link (then removed from the address bar). Only observer
 * tokens are accepted (inspector-access.ts).
 */
import { ANY_SESSION } from '../../shared/auth/token-claims.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { readRuns, readSteering } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { createSessionClient, type SessionClient } from '../core/session-client.ts'
import { checkInspectorAccess, type InspectorAccess } from './inspector-access.ts'
import { renderSessionView } from './render-session-view.ts'
import { createTokenRate } from './token-rate.ts'

/** How often the view refreshes without a change (heartbeat ages, a decaying rate), in ms. */
const REFRESH_MS = 1_000

const byTestId = <T extends HTMLElement>(id: string): T => document.querySelector<T>(`[data-testid="${id}"]`) as T
const form = byTestId<HTMLFormElement>('token-form')
const tokenInput = byTestId<HTMLInputElement>('token-input')
const sessionList = byTestId('session-list')
const errorBox = byTestId('inspector-error')
const view = byTestId('session-view')

let access: Extract<InspectorAccess, { ok: true }> | undefined
let inspected: { client: SessionClient; stop: () => void } | undefined

form.addEventListener('submit', (event) => {
  event.preventDefault()
  void open(tokenInput.value.trim(), undefined)
})
window.addEventListener('hashchange', openFromLink)
openFromLink()

/** Opens what a `#token=…&session=…` link names; the token leaves the address bar at once. */
function openFromLink(): void {
  const link = new URLSearchParams(location.hash.slice(1))
  const linkToken = link.get('token') ?? undefined
  if (linkToken !== undefined) {
    const session = link.get('session')
    history.replaceState(
      null,
      '',
      `${location.pathname}${location.search}${session === null ? '' : `#session=${encodeURIComponent(session)}`}`,
    )
    tokenInput.value = linkToken
  }
  void open(tokenInput.value.trim(), link.get('session') ?? undefined)
}

async function open(token: string, sessionId: string | undefined): Promise<void> {
  closeInspected()
  sessionList.replaceChildren()
  view.innerHTML = '<p class="empty">Choose a session.</p>'
  const checked = checkInspectorAccess(token, Date.now())
  if (!checked.ok) {
    access = undefined
    showError(checked.message)
    return
  }
  access = checked
  showError(undefined)
  const sessions = checked.scope === ANY_SESSION ? await listSessions(checked) : [{ id: checked.scope, title: '' }]
  for (const session of sessions) {
    const anchor = document.createElement('a')
    anchor.href = '#'
    anchor.dataset.sessionId = session.id
    anchor.textContent = session.title === '' ? session.id : `${session.title} · ${session.id}`
    anchor.addEventListener('click', (event) => {
      event.preventDefault()
      inspect(session.id)
    })
    sessionList.append(anchor)
  }
  if (sessionId !== undefined) inspect(sessionId)
}

async function listSessions(
  current: Extract<InspectorAccess, { ok: true }>,
): Promise<Array<{ id: string; title: string }>> {
  const response = await fetch(`${ROUTES.SESSIONS}?limit=200`, {
    headers: current.token === undefined ? {} : { authorization: `Bearer ${current.token}` },
  })
  if (response.status === 401) {
    showError('This server requires a token: enter an observer token.')
    return []
  }
  const body = (await response.json()) as {
    sessions?: Array<{ id: string; title: string }>
    error?: { code: string; message: string }
  }
  if (!response.ok)
    showError(`${body.error?.code ?? response.status}: ${body.error?.message ?? 'cannot list sessions'}`)
  return body.sessions ?? []
}

function inspect(sessionId: string): void {
  if (access === undefined) return
  closeInspected()
  for (const anchor of sessionList.querySelectorAll<HTMLAnchorElement>('a')) {
    if (anchor.dataset.sessionId === sessionId) anchor.setAttribute('aria-current', 'page')
    else anchor.removeAttribute('aria-current')
  }
  const client = createSessionClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ROUTES.WEBSOCKET}`,
    sessionId,
    principalId: access.principalId,
    role: 'observer',
    device: 'inspector',
    ...(access.token === undefined ? {} : { token: access.token }),
  })
  const rate = createTokenRate()
  const render = (): void => {
    const nowMs = Date.now()
    const messages = client.messages()
    rate.record(agentChars(messages), nowMs)
    view.innerHTML = renderSessionView({
      sessionId,
      status: client.status,
      transport: client.transport,
      charsPerSecond: rate.charsPerSecond(nowMs),
      messages,
      runs: readRuns(client.doc),
      steering: readSteering(client.doc),
      presence: client.presence(),
      nowMs,
    })
  }
  for (const event of ['change', 'status', 'transport', 'presence'] as const) client.on(event, render)
  client.on('error', (error) => {
    showError(`${error.code}: ${error.message}`)
  })
  const timer = setInterval(render, REFRESH_MS)
  inspected = {
    client,
    stop: () => {
      clearInterval(timer)
    },
  }
  render()
}

function closeInspected(): void {
  inspected?.stop()
  inspected?.client.destroy()
  inspected = undefined
}

/** Characters of agent text (assistant text and reasoning parts) in the session. */
function agentChars(messages: readonly MessageView[]): number {
  let chars = 0
  for (const message of messages) {
    if (message.role !== 'assistant') continue
    for (const part of message.parts) if (part.type === 'text' || part.type === 'reasoning') chars += part.text.length
  }
  return chars
}

function showError(message: string | undefined): void {
  errorBox.hidden = message === undefined
  errorBox.textContent = message ?? ''
}

/**
 * The demo chat page: a session list, the people present, one live session with streaming replies, a composer and
 * a connection badge. It talks to the server only through the client SDK and the public HTTP API. When the server
 * requires tokens, open the link `npm start` prints (`/#token=…`): the token is kept in localStorage, sent with every
 * request and names the principal; an observer token gets a view-only page. Each part of the page is bound by its own
 * module (`bind-*.ts`).
 */
import { type BrowserSessionClient, createBrowserSessionClient } from '../../client/browser/browser-session-client.ts'
import { forgetDeletedSession, wasSessionDeletedHere } from '../../client/browser/deleted-sessions.ts'
import { decodeTokenClaims } from '../../shared/auth/token-claims.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { afterFirstFrame } from './after-first-frame.ts'
import { applyViewOnly } from './apply-view-only.ts'
import { bindComposer } from './bind-composer.ts'
import { bindDisplayName } from './bind-display-name.ts'
import { bindMessageList } from './bind-message-list.ts'
import { bindOnDeviceAgent } from './bind-on-device-agent.ts'
import { bindPageTitle } from './bind-page-title.ts'
import { bindPresence } from './bind-presence.ts'
import { bindRefusedWrites } from './bind-refused-writes.ts'
import { bindSessionTitle } from './bind-session-title.ts'
import { bindSidebarToggle } from './bind-sidebar-toggle.ts'
import { bindStatus } from './bind-status.ts'
import { bindSteer } from './bind-steer.ts'
import { byTestId } from './by-test-id.ts'
import { DEMO_STORAGE_KEYS } from './demo-storage-keys.ts'
import { deviceLabel } from './device-label.ts'
import { readToken } from './read-token.ts'
import { registerServiceWorker } from './register-service-worker.ts'
import { renderSessionList } from './render-session-list.ts'
import { showSessionDeleted } from './show-session-deleted.ts'
import { forgetCachedSession, readSessionListCache, writeSessionListCache } from './session-list-cache.ts'
import { keepTranscriptSnapshot } from './keep-transcript-snapshot.ts'
import { forgetTranscriptSnapshot } from './transcript-snapshot.ts'
import { createSessionsApi } from './sessions-api.ts'

const token = readToken()
const claims = token === undefined ? undefined : decodeTokenClaims(token)
const principalId =
  claims?.sub ?? localStorage.getItem(DEMO_STORAGE_KEYS.PRINCIPAL) ?? `web-${crypto.randomUUID().slice(0, 8)}`
localStorage.setItem(DEMO_STORAGE_KEYS.PRINCIPAL, principalId)
const api = createSessionsApi({ authHeaders: token === undefined ? {} : { authorization: `Bearer ${token}` } })
const readOnly = claims?.role === 'observer'

if (readOnly) applyViewOnly()
const requested = new URLSearchParams(location.search).get('session')
// The session named in the address opens first, from its offline copy: its transcript is drawn as soon as the copy
// is loaded, and the rest of the page (the session list, the service worker, …) is bound after that frame.
const opened = requested !== null && !wasSessionDeletedHere(requested) ? openSession(requested) : undefined
afterFirstFrame(opened?.whenOfflineCopyLoaded ?? Promise.resolve(), () => {
  if (opened !== undefined) bindRest(opened)
  registerServiceWorker()
  bindSidebarToggle()
  void main(requested, opened)
})

async function main(requested: string | null, opened: BrowserSessionClient | undefined): Promise<void> {
  // Offline, the list cannot be fetched: show the one kept from the last fetch, open the session from its IndexedDB copy.
  const sessions = await api.list().then(writeSessionListCache, readSessionListCache)
  const sessionId = requested ?? sessions[0]?.id ?? (await api.create()).id
  if (requested === null) history.replaceState(null, '', `?session=${encodeURIComponent(sessionId)}`)
  const known = requested === null || sessions.some((session) => session.id === requested)
  const listed = known ? sessions : await api.list().then(writeSessionListCache, () => sessions)
  renderSessionList(listed, sessionId)
  byTestId('new-session').addEventListener('click', () => {
    void api.create().then((created) => {
      location.search = `?session=${encodeURIComponent(created.id)}`
    })
  })
  // Right to erasure: a session this browser saw deleted is not opened again (that would create it anew), unless the
  // server lists a session of that id again.
  if (listed.some((session) => session.id === sessionId)) forgetDeletedSession(sessionId)
  if (opened === undefined && wasSessionDeletedHere(sessionId)) {
    forgetTranscriptSnapshot(sessionId)
    showSessionDeleted()
    return
  }
  const client = opened ?? openSession(sessionId)
  if (opened === undefined) afterFirstFrame(client.whenOfflineCopyLoaded, () => bindRest(client))
  const owner = sessions.find((session) => session.id === sessionId)?.owner
  const canRename = claims === undefined || claims.admin === true || (!readOnly && claims.sub === owner)
  bindSessionTitle(client, api, canRename)
}

/**
 * Opens the session `sessionId` and binds the parts of the page its transcript needs: the message list and the forms.
 * The rest (bindRest) and the title are bound by the caller, once the transcript of the offline copy has been painted.
 */
function openSession(sessionId: string): BrowserSessionClient {
  const client = createBrowserSessionClient({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ROUTES.WEBSOCKET}`,
    sessionId,
    principalId,
    device: deviceLabel(navigator.userAgent),
    ...(token === undefined ? {} : { token }),
    ...(claims === undefined ? {} : { role: claims.role }),
  })
  // Right to erasure: the SDK erases the offline copy of a deleted session; the page forgets its list entry and shows
  // nothing of it any more.
  client.on('error', (error) => {
    if (error.code !== 'SESSION_DELETED') return
    forgetCachedSession(sessionId)
    forgetTranscriptSnapshot(sessionId)
    renderSessionList(readSessionListCache(), sessionId)
    client.destroy()
    showSessionDeleted()
  })
  bindMessageList(client, {
    readOnly,
    loaded: client.whenOfflineCopyLoaded,
    drawn: keepTranscriptSnapshot(byTestId('messages'), sessionId),
  })
  if (!readOnly) {
    bindComposer((text) => {
      client.sendMessage(text)
    })
    bindSteer(client)
  }
  return client
}

/** Binds the parts of the page that the first frame of a session does not need. */
function bindRest(client: BrowserSessionClient): void {
  // With auth, only a token with the onDeviceAgent claim may answer on this device (PROTOCOL.md §8.1).
  if (!readOnly && (claims === undefined || claims.onDeviceAgent === true)) bindOnDeviceAgent(client)
  bindStatus(client)
  bindPresence(client)
  bindDisplayName(client, { readOnly })
  bindPageTitle(client)
  bindRefusedWrites(client)
}

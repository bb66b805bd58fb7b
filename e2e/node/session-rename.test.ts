/**
 * Renaming a session (PROTOCOL.md §4, docs/security.md § Destructive actions) over a real server, real sockets and
 * real SQLite: `PATCH /v1/sessions/:id` with `{ title }` is for the session's owner or an admin. The new title is
 * written into the session document as a durable server change — a connected client sees it, the audit trail names
 * who asked — and into the session list. Anyone else gets 403 NOT_SESSION_OWNER (reported as a security event) and
 * nothing changes; a bad title is 400 BAD_REQUEST, an unknown session 404. With auth off anyone may rename.
 */
import { expect } from 'vitest'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { sessionAuditPath, sessionPath, ROUTES } from '../../shared/protocol/routes.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

const events: SecurityEvent[] = []
const test = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event: SecurityEvent) => {
      events.push(event)
    },
  },
})
const openTest = testWithStore('sqlite')

async function call(
  server: SessionServer,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; details?: unknown } } }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as never }
}

test('the owner renames a session everywhere; others get 403 and change nothing', async ({
  server,
  sessionId,
  connectClient,
}) => {
  const alice = tokenFor('alice', 'user', '*')
  expect((await call(server, 'POST', ROUTES.SESSIONS, alice, { id: sessionId, title: 'First' })).status).toBe(201)
  const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
  await bob.waitForSynced()
  const title = (): unknown => getSessionRoots(bob.doc).meta.get('title')
  expect(title()).toBe('First')

  const refused = await call(server, 'PATCH', sessionPath(sessionId), tokenFor('bob', 'user', sessionId), {
    title: 'Taken over',
  })
  expect([refused.status, refused.body.error?.code]).toEqual([403, 'NOT_SESSION_OWNER'])
  expect(
    events
      .filter((event) => event.sessionId === sessionId)
      .map((event) => [event.kind, event.action, event.principalId, event.error.code]),
  ).toEqual([['destructive-action-refused', 'rename', 'bob', 'NOT_SESSION_OWNER']])
  const observer = await call(server, 'PATCH', sessionPath(sessionId), tokenFor('alice', 'observer', sessionId), {
    title: 'Read only',
  })
  expect([observer.status, observer.body.error?.code]).toEqual([403, 'NOT_SESSION_OWNER'])

  const renamed = await call(server, 'PATCH', sessionPath(sessionId), alice, { title: '  Trip to Lisbon  ' })
  expect([renamed.status, renamed.body]).toEqual([200, { id: sessionId, title: 'Trip to Lisbon', owner: 'alice' }])
  await expect.poll(title).toBe('Trip to Lisbon')
  const listed = await call(server, 'GET', ROUTES.SESSIONS, alice)
  expect((listed.body.sessions as Array<{ id: string; title: string }>).find((s) => s.id === sessionId)?.title).toBe(
    'Trip to Lisbon',
  )
  expect((await call(server, 'GET', sessionPath(sessionId), alice)).body.title).toBe('Trip to Lisbon')
  const audit = await call(server, 'GET', sessionAuditPath(sessionId), tokenFor('ops', 'observer', sessionId))
  const entries = audit.body.entries as Array<{ principal: string; role: string | null }>
  expect(entries.at(-1)).toMatchObject({ principal: 'alice', role: 'user' })

  const admin = tokenFor('root', 'observer', '*', { admin: true })
  expect((await call(server, 'PATCH', sessionPath(sessionId), admin, { title: 'Archived' })).status).toBe(200)
  await expect.poll(title).toBe('Archived')

  for (const body of [{}, { title: '' }, { title: '   ' }, { title: 'x'.repeat(201) }, { title: 'a\u0007b' }, []]) {
    const bad = await call(server, 'PATCH', sessionPath(sessionId), alice, body)
    expect([bad.status, bad.body.error?.code, bad.body.error?.details]).toEqual([
      400,
      'BAD_REQUEST',
      { field: 'title' },
    ])
  }
  const unknown = await call(server, 'PATCH', sessionPath('never-created'), alice, { title: 'Nothing' })
  expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'SESSION_NOT_FOUND'])
  expect(title()).toBe('Archived')
})

openTest('with auth off anyone may rename a session', async ({ server, sessionId }) => {
  expect((await call(server, 'POST', ROUTES.SESSIONS, undefined, { id: sessionId })).status).toBe(201)
  const renamed = await call(server, 'PATCH', sessionPath(sessionId), undefined, { title: 'Open title' })
  expect([renamed.status, renamed.body]).toEqual([200, { id: sessionId, title: 'Open title', owner: null }])
  expect((await call(server, 'GET', sessionPath(sessionId), undefined)).body.title).toBe('Open title')
})

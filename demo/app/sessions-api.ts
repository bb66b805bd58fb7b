/**
 * createSessionsApi: the demo page's calls to the public sessions HTTP API (list, create, rename), with the page's
 * bearer token when it has one.
 */
import { ROUTES, sessionPath } from '../../shared/protocol/routes.ts'

/** One session as the list route returns it. */
export interface SessionSummary {
  id: string
  title: string
  createdAt: number
  updatedAt: number
  /** Principal that created it (may rename and delete it); null when created without an identity. */
  owner: string | null
}

/** The sessions HTTP calls the page makes. */
export interface SessionsApi {
  /** The newest sessions (up to 50). */
  list(): Promise<SessionSummary[]>
  /** Creates a session without a title: its first message names it. */
  create(): Promise<SessionSummary>
  /** Renames a session (owner or admin). @throws Error with the server's code and message when refused */
  rename(sessionId: string, title: string): Promise<void>
}

/** Binds the sessions API to the page's authorization headers. */
export function createSessionsApi(options: { authHeaders: Record<string, string> }): SessionsApi {
  const { authHeaders } = options
  return {
    async list() {
      const response = await fetch(`${ROUTES.SESSIONS}?limit=50`, { headers: authHeaders })
      return ((await response.json()) as { sessions: SessionSummary[] }).sessions
    },
    async create() {
      const response = await fetch(ROUTES.SESSIONS, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders },
        body: JSON.stringify({}),
      })
      return (await response.json()) as SessionSummary
    },
    async rename(sessionId, title) {
      const response = await fetch(sessionPath(sessionId), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...authHeaders },
        body: JSON.stringify({ title }),
      })
      if (response.ok) return
      const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
      throw new Error(`${body.error?.code ?? response.status}: ${body.error?.message ?? 'rename refused'}`)
    },
  }
}

/**
 * createSessionsApi: the demo page's calls to the public sessions HTTP API (list and create), with the page's
 * bearer token when it has one.
 */
import { ROUTES } from '../../shared/protocol/routes.ts'

/** One session as the list route returns it. */
export interface SessionSummary {
  id: string
  title: string
  createdAt: number
  updatedAt: number
}

/** The sessions HTTP calls the page makes. */
export interface SessionsApi {
  /** The newest sessions (up to 50). */
  list(): Promise<SessionSummary[]>
  /** Creates a session with a dated title. */
  create(): Promise<SessionSummary>
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
      const title = `Session ${new Date().toLocaleString()}`
      const response = await fetch(ROUTES.SESSIONS, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders },
        body: JSON.stringify({ title }),
      })
      return (await response.json()) as SessionSummary
    },
  }
}

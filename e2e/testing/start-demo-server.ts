/**
 * startDemoServer: a session server with auth on and the demo chat page, on a fresh SQLite file in a temp dir, for
 * Playwright specs that need tokens (roles, owners) or a server they can stop and start again. `restart` closes it and
 * opens a new server on the same port and file (optionally with other limits), as an operator restarting it would;
 * `close` stops it and removes the dir.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDemoAppHandler } from '../../demo/serve-demo-app.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer, type SessionServer } from '../../server/session-server.ts'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { SessionLimits } from '../../shared/limits/session-limits.ts'

/** The HMAC secret of demo servers started by specs. */
const DEMO_SECRET = 'demo-spec-secret-0123456789abcdef'

/** A running demo server and what a spec does with it. */
export interface DemoServer {
  /** The server now running (a new one after `restart`). */
  readonly server: SessionServer
  /** A token for `sub` as `role`, for every session (`session: '*'`). */
  tokenFor(sub: string, role: PrincipalRole): string
  /** The page's address for `sessionId`, signed in as `sub` with `role`. */
  pageUrl(sessionId: string, sub: string, role: PrincipalRole): string
  /** Closes the server, then starts a new one on the same port and SQLite file with `limits`. */
  restart(limits?: Partial<SessionLimits>): Promise<void>
  /** Closes the server and removes its files. */
  close(): Promise<void>
}

/** Starts a server with auth and the demo page on 127.0.0.1 (port 0). */
export async function startDemoServer(): Promise<DemoServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-demo-spec-'))
  const handleRequest = await createDemoAppHandler()
  const open = (port: number, limits: Partial<SessionLimits> = {}): Promise<SessionServer> =>
    createSessionServer({
      port,
      host: '127.0.0.1',
      updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
      auth: { secret: DEMO_SECRET },
      handleRequest,
      limits,
    })
  let server = await open(0).catch((error: unknown) => {
    rmSync(dir, { recursive: true, force: true })
    throw error
  })
  const tokenFor = (sub: string, role: PrincipalRole): string =>
    signToken(createTokenClaims({ sub, role, session: '*' }), DEMO_SECRET)
  return {
    get server() {
      return server
    },
    tokenFor,
    pageUrl: (sessionId, sub, role) =>
      `${server.url}/?session=${encodeURIComponent(sessionId)}#token=${tokenFor(sub, role)}`,
    async restart(limits) {
      const { port } = new URL(server.url)
      await server.close()
      server = await open(Number(port), limits)
    },
    async close() {
      try {
        await server.close()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

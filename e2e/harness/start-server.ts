/**
 * The Playwright web server: the session server on 127.0.0.1:$E2E_PORT (default 8790) with a fresh SQLite file
 * in a new temp dir and the demo chat page, but WITHOUT the demo agent: each spec runs its own agent in the
 * test's Node process (e2e/fixtures.ts). The temp dir is removed when the process is stopped (SIGTERM/SIGINT).
 *
 *   E2E_PORT=8790 node --import tsx e2e/harness/start-server.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createDemoAppHandler } from '../../demo/serve-demo-app.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import { createSessionServer } from '../../server/session-server.ts'

const port = Number(process.env.E2E_PORT ?? 8790)
const dir = mkdtempSync(join(tmpdir(), 'lifeline-e2e-'))
const removeDir = (): void => {
  rmSync(dir, { recursive: true, force: true })
}

const server = await createSessionServer({
  port,
  host: '127.0.0.1',
  updateLog: createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }),
  handleRequest: await createDemoAppHandler(),
}).catch((error: unknown) => {
  removeDir()
  const code = (error as { code?: unknown }).code
  console.error(code === 'EADDRINUSE' ? `e2e server: port ${port} is in use (set E2E_PORT)` : error)
  process.exit(1)
})
console.log(`e2e server: ${server.url}/ (SQLite in ${dir}, no demo agent)`)

let stopping = false
const shutdown = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  try {
    await server.close()
  } catch (error) {
    console.error('e2e server: close failed', error)
  } finally {
    removeDir()
    process.exit(0)
  }
}
process.once('SIGINT', () => {
  void shutdown()
})
process.once('SIGTERM', () => {
  void shutdown()
})

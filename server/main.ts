/**
 * `npm run serve`: the session server alone (no demo page or agent), configured from the environment:
 * PORT (default 8787; 0 = any free port), HOST (default 127.0.0.1), LIFELINE_STORE (default
 * ./data/lifeline.sqlite; `postgres://…[?schema=name]` for PostgreSQL). Prints `LISTENING <url>` once ready.
 */
import { describeStore, openUpdateLog } from './persistence/open-update-log.ts'
import { createSessionServer } from './session-server.ts'

const env = process.env
const store = env.LIFELINE_STORE
const server = await createSessionServer({
  port: Number(env.PORT ?? 8787),
  host: env.HOST ?? '127.0.0.1',
  updateLog: await openUpdateLog(store),
})
console.log(`LISTENING ${server.url} (${describeStore(store)})`)

const shutdown = async (): Promise<void> => {
  await server.close()
  process.exit(0)
}
process.once('SIGINT', () => { void shutdown() })
process.once('SIGTERM', () => { void shutdown() })

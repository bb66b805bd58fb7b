/**
 * `npm run serve`: the session server alone (no demo page or agent), configured from the environment:
 * PORT (default 8787; 0 = any free port), HOST (default 127.0.0.1), LIFELINE_STORE (default
 * ./data/lifeline.sqlite; `postgres://…[?schema=name]` for PostgreSQL), LIFELINE_AUTH_SECRET (unset: open server;
 * set, at least 32 bytes: signed tokens required, PROTOCOL.md §8), LIFELINE_METRICS_TOKEN (bearer token for
 * GET /metrics), LIFELINE_LOG_LEVEL (pino level of the JSON logs on stdout, default info), LIFELINE_REDIS
 * (`redis://host:port[/db]`: run as one of N nodes sharing sessions through Redis, with a shared PostgreSQL store;
 * docs/operations.md § Scale-out), LIFELINE_REDIS_PREFIX (key namespace, default `lifeline`),
 * LIFELINE_RETENTION_ARCHIVE_AFTER_SECONDS, LIFELINE_RETENTION_DELETE_AFTER_SECONDS and LIFELINE_RETENTION_ARCHIVE
 * (retention of finished sessions, retention-from-env.ts). Prints `LISTENING <url>` once ready.
 */
import { pino } from 'pino'
import { describeStore, openUpdateLog } from './persistence/open-update-log.ts'
import { createSessionServer } from './session-server.ts'
import { openStreamStore } from './durable-streams/open-stream-store.ts'
import { retentionFromEnv } from './retention/retention-from-env.ts'

const env = process.env
const store = env.LIFELINE_STORE
const secret = env.LIFELINE_AUTH_SECRET
const redis = env.LIFELINE_REDIS
const prefix = env.LIFELINE_REDIS_PREFIX
const retention = retentionFromEnv(env, store)
const server = await createSessionServer({
  port: Number(env.PORT ?? 8787),
  host: env.HOST ?? '127.0.0.1',
  updateLog: await openUpdateLog(store),
  streams: { store: await openStreamStore(store) },
  ...(secret === undefined || secret === '' ? {} : { auth: { secret } }),
  ...(env.LIFELINE_METRICS_TOKEN === undefined || env.LIFELINE_METRICS_TOKEN === ''
    ? {}
    : { metricsToken: env.LIFELINE_METRICS_TOKEN }),
  logger: pino({ level: env.LIFELINE_LOG_LEVEL ?? 'info' }),
  ...(redis === undefined || redis === ''
    ? {}
    : { redis: { url: redis, ...(prefix === undefined ? {} : { prefix }) } }),
  ...(retention === undefined ? {} : { retention }),
})
const auth = secret === undefined || secret === '' ? 'auth off' : 'auth on: mint tokens with `npm run token`'
const nodes = redis === undefined || redis === '' ? 'single node' : 'scale-out on Redis'
console.log(`LISTENING ${server.url} (${describeStore(store)}; ${auth}; ${nodes})`)

const shutdown = async (): Promise<void> => {
  await server.close()
  process.exit(0)
}
process.once('SIGINT', () => {
  void shutdown()
})
process.once('SIGTERM', () => {
  void shutdown()
})

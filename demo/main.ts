/**
 * `npm start`: the session server on SQLite, the demo chat page and the demo agent, in one process.
 * Environment: PORT (default 8787), HOST (default 127.0.0.1), LIFELINE_STORE (default ./data/lifeline.sqlite;
 * `postgres://…` for PostgreSQL),
 * LIFELINE_LLM_URL + LIFELINE_LLM_KEY (+ LIFELINE_LLM_MODEL) to answer with an OpenAI-compatible LLM,
 * LIFELINE_AUTH_SECRET (32+ bytes) to require signed tokens: the demo agent then uses an agent token and the
 * printed links carry a user and an observer token (dev only: anyone with the link is that principal),
 * LIFELINE_METRICS_TOKEN (bearer token for GET /metrics), LIFELINE_LOG_LEVEL (JSON logs on stdout, default info).
 */
import { pino } from 'pino'
import { ROUTES } from '../shared/protocol/routes.ts'
import { describeStore, openUpdateLog } from '../server/persistence/open-update-log.ts'
import { createTokenClaims, signToken } from '../server/auth/sign-token.ts'
import { createSessionServer } from '../server/session-server.ts'
import { openStreamStore } from '../server/durable-streams/open-stream-store.ts'
import { createDemoAgent } from './demo-agent.ts'
import { createDemoAppHandler } from './serve-demo-app.ts'

const env = process.env
const llm =
  env.LIFELINE_LLM_URL !== undefined && env.LIFELINE_LLM_KEY !== undefined
    ? { baseUrl: env.LIFELINE_LLM_URL, apiKey: env.LIFELINE_LLM_KEY, model: env.LIFELINE_LLM_MODEL ?? 'gpt-4o-mini' }
    : undefined

const secret = env.LIFELINE_AUTH_SECRET === '' ? undefined : env.LIFELINE_AUTH_SECRET
const devToken = (
  sub: string,
  role: 'agent' | 'user' | 'observer',
  ttlSeconds: number,
  grants: { onDeviceAgent?: boolean } = {},
): string | undefined =>
  secret === undefined
    ? undefined
    : signToken(createTokenClaims({ sub, role, session: '*', ttlSeconds, ...grants }), secret)
const DAY_SECONDS = 24 * 3600

let agent: ReturnType<typeof createDemoAgent> | undefined
const port = Number(env.PORT ?? 8787)
const server = await createSessionServer({
  port,
  host: env.HOST ?? '127.0.0.1',
  updateLog: await openUpdateLog(env.LIFELINE_STORE),
  streams: { store: await openStreamStore(env.LIFELINE_STORE) },
  handleRequest: await createDemoAppHandler(),
  ...(secret === undefined ? {} : { auth: { secret } }),
  ...(env.LIFELINE_METRICS_TOKEN === undefined || env.LIFELINE_METRICS_TOKEN === ''
    ? {}
    : { metricsToken: env.LIFELINE_METRICS_TOKEN }),
  logger: pino({ level: env.LIFELINE_LOG_LEVEL ?? 'info' }),
  extensions: [
    {
      // Every session that opens gets the demo agent (it ignores sessions it is already in).
      async afterLoadDocument({ documentName }: { documentName: string }) {
        void agent?.attach(documentName).catch((error: unknown) => {
          console.error(`demo-agent: cannot attach to ${documentName}:`, error)
        })
      },
    },
  ],
}).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code
  console.error(code === 'EADDRINUSE' ? `Port ${port} is in use: stop the other process or set PORT.` : error)
  process.exit(1)
})
const agentToken = devToken('demo-agent', 'agent', 30 * DAY_SECONDS)
agent = createDemoAgent({
  url: server.websocketUrl,
  ...(llm === undefined ? {} : { llm }),
  ...(agentToken === undefined ? {} : { token: agentToken }),
})
// The demo page offers "Answer on this device" when the demo agent is unreachable: the user token grants it.
const userToken = devToken('demo-user', 'user', DAY_SECONDS, { onDeviceAgent: true })
const observerToken = devToken('demo-observer', 'observer', DAY_SECONDS)
const authLines =
  userToken === undefined || observerToken === undefined
    ? '  Auth:        off — anyone may connect as anyone (set LIFELINE_AUTH_SECRET, 32+ bytes, to require tokens)'
    : `  Auth:        on — the chat link carries a dev token for demo-user (24 h; more with \`npm run token\`)
  Read-only:   ${server.url}/#token=${observerToken}
  curl:        curl -H 'authorization: Bearer ${userToken}' ${server.url}/v1/sessions`

console.log(`Lifeline is running.
  Demo chat:   ${server.url}/${userToken === undefined ? '' : `#token=${userToken}`}
  WebSocket:   ${server.websocketUrl}
  HTTP API:    ${server.url}/v1/sessions
  Metrics:     ${server.url}${ROUTES.METRICS}
  Inspector:   ${server.url}${ROUTES.INSPECT}${observerToken === undefined ? '' : `#token=${observerToken}`}
  Storage:     ${describeStore(env.LIFELINE_STORE)}
  Demo agent:  ${llm === undefined ? 'deterministic demo answer (set LIFELINE_LLM_URL and LIFELINE_LLM_KEY for a real LLM)' : `${llm.model} at ${llm.baseUrl}`}
${authLines}
Press Ctrl+C to stop.`)

const shutdown = async (): Promise<void> => {
  await agent?.close()
  await server.close()
  process.exit(0)
}
process.once('SIGINT', () => {
  void shutdown()
})
process.once('SIGTERM', () => {
  void shutdown()
})

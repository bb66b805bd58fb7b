/**
 * `npm start`: the session server on SQLite, the demo chat page and the demo agent, in one process.
 * Environment: PORT (default 8787), HOST (default 127.0.0.1), LIFELINE_STORE (default ./data/lifeline.sqlite;
 * `postgres://…` for PostgreSQL),
 * LIFELINE_LLM_URL + LIFELINE_LLM_KEY (+ LIFELINE_LLM_MODEL) to answer with an OpenAI-compatible LLM.
 */
import { describeStore, openUpdateLog } from '../server/persistence/open-update-log.ts'
import { createSessionServer } from '../server/session-server.ts'
import { createDemoAgent } from './demo-agent.ts'
import { createDemoAppHandler } from './serve-demo-app.ts'

const env = process.env
const llm = env.LIFELINE_LLM_URL !== undefined && env.LIFELINE_LLM_KEY !== undefined
  ? { baseUrl: env.LIFELINE_LLM_URL, apiKey: env.LIFELINE_LLM_KEY, model: env.LIFELINE_LLM_MODEL ?? 'gpt-4o-mini' }
  : undefined

let agent: ReturnType<typeof createDemoAgent> | undefined
const port = Number(env.PORT ?? 8787)
const server = await createSessionServer({
  port,
  host: env.HOST ?? '127.0.0.1',
  updateLog: await openUpdateLog(env.LIFELINE_STORE),
  handleRequest: await createDemoAppHandler(),
  extensions: [{
    // Every session that opens gets the demo agent (it ignores sessions it is already in).
    async afterLoadDocument ({ documentName }: { documentName: string }) {
      void agent?.attach(documentName).catch((error: unknown) => { console.error(`demo-agent: cannot attach to ${documentName}:`, error) })
    },
  }],
}).catch((error: unknown) => {
  const code = (error as { code?: unknown }).code
  console.error(code === 'EADDRINUSE' ? `Port ${port} is in use: stop the other process or set PORT.` : error)
  process.exit(1)
})
agent = createDemoAgent({ url: server.websocketUrl, ...(llm === undefined ? {} : { llm }) })

console.log(`Lifeline is running.
  Demo chat:   ${server.url}/
  WebSocket:   ${server.websocketUrl}
  HTTP API:    ${server.url}/v1/sessions
  Storage:     ${describeStore(env.LIFELINE_STORE)}
  Demo agent:  ${llm === undefined ? 'deterministic demo answer (set LIFELINE_LLM_URL and LIFELINE_LLM_KEY for a real LLM)' : `${llm.model} at ${llm.baseUrl}`}
Press Ctrl+C to stop.`)

const shutdown = async (): Promise<void> => {
  await agent?.close()
  await server.close()
  process.exit(0)
}
process.once('SIGINT', () => { void shutdown() })
process.once('SIGTERM', () => { void shutdown() })

// Runs a server, an agent and a viewer from the installed package: the viewer asks, the agent streams a reply, and
// the script prints what the viewer saw, and whether the server bundles its inspector page from the compiled files.
// `node agent-and-viewer.mjs sqlite` keeps the session in an SQLite file in the working folder instead of memory.
import { createAgentSession, NodeWebSocket } from 'lifeline/agent'
import { createSessionClient } from 'lifeline/core'
import { createSessionId } from 'lifeline/protocol'
import { createMemoryUpdateLog, createSessionServer, createSqliteUpdateLog } from 'lifeline/server'

const store = process.argv[2] ?? 'memory'
const updateLog = store === 'sqlite' ? createSqliteUpdateLog({ path: 'sessions.sqlite' }) : createMemoryUpdateLog()
const server = await createSessionServer({ port: 0, host: '127.0.0.1', updateLog })
const sessionId = createSessionId()
const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'writer' })
async function* tokens(text) {
  for (const token of ['You ', 'said: ', text]) yield token
}
agent.onUserMessage(async (message) => {
  await agent.startReply({ replyTo: message.id }).pipe(tokens(message.text))
})
const viewer = createSessionClient({
  url: server.websocketUrl,
  sessionId,
  principalId: 'alice',
  WebSocket: NodeWebSocket,
})
await viewer.waitForSynced()
viewer.sendMessage('hello')
const reply = await new Promise((resolve) => {
  const check = () => {
    const answer = viewer.messages().find((message) => message.role === 'assistant' && message.status === 'done')
    if (answer === undefined) return
    viewer.off('change', check)
    resolve(answer)
  }
  viewer.on('change', check)
  check()
})
const inspector = await fetch(`${server.url}/v1/inspect/inspector.js`)
const inspectorBytes = (await inspector.arrayBuffer()).byteLength
console.log(
  JSON.stringify({
    text: reply.text,
    status: reply.status,
    author: reply.author,
    inspector: inspector.status,
    inspectorBundled: inspectorBytes > 1000,
    store,
  }),
)
viewer.destroy()
await agent.close()
await server.close()

// A consumer's TypeScript file, type-checked with `tsc --strict` against the installed package's declarations.
import { createAgentSession, fromAiSdkStream, NodeWebSocket, type ReplyWriter } from 'lifeline/agent'
import { createBrowserSessionClient } from 'lifeline/browser'
import { createSessionClient, createSessionStore, type SessionClient, type SessionSnapshot } from 'lifeline/core'
import { ERROR_CODES, type MessageView } from 'lifeline/protocol'
import { createSessionServer, type SessionServer } from 'lifeline/server'

export async function main(): Promise<string> {
  const server: SessionServer = await createSessionServer({ port: 0 })
  const client: SessionClient = createSessionClient({
    url: server.websocketUrl,
    sessionId: 's_typed',
    principalId: 'alice',
    WebSocket: NodeWebSocket,
  })
  const snapshot: SessionSnapshot = createSessionStore(client).getSnapshot()
  const messages: readonly MessageView[] = snapshot.messages
  const agent = await createAgentSession({ url: server.websocketUrl, sessionId: 's_typed', agentId: 'writer' })
  const reply: ReplyWriter = agent.startReply({ replyTo: messages[0]?.id ?? '' })
  await reply.pipeParts(fromAiSdkStream(new ReadableStream()))
  const browser = createBrowserSessionClient({ url: server.websocketUrl, sessionId: 's_typed', principalId: 'alice' })
  await browser.whenOfflineCopyLoaded
  return `${ERROR_CODES.UNAUTHORIZED.httpStatus}`
}

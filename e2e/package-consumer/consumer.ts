// A consumer's TypeScript file, type-checked with `tsc --strict` against the installed package's declarations.
import { useChat } from '@ai-sdk/react'
import { createElement, type ReactElement, useEffect, useMemo } from 'react'
import { createAgentSession, fromAiSdkStream, NodeWebSocket, type ReplyWriter } from 'lifeline/agent'
import { createLifelineChatTransport, pipeUIMessageStream, toUIMessages } from 'lifeline/ai-sdk'
import { createOnDeviceAgent, fromPromptApiStream, type OnDeviceReply } from 'lifeline/agent-browser'
import { createBrowserSessionClient } from 'lifeline/browser'
import { createSessionClient, createSessionStore, type SessionClient, type SessionSnapshot } from 'lifeline/core'
import { ERROR_CODES, type MessageView } from 'lifeline/protocol'
import { useConnectionStatus, useMessages, usePresence, useSession, useSteer } from 'lifeline/react'
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
  await pipeUIMessageStream(reply, new ReadableStream())
  const browser = createBrowserSessionClient({ url: server.websocketUrl, sessionId: 's_typed', principalId: 'alice' })
  await browser.whenOfflineCopyLoaded
  const onDevice: OnDeviceReply = createOnDeviceAgent({ session: browser }).answer(messages[0]?.id ?? '', () =>
    fromPromptApiStream(new ReadableStream<string>()),
  )
  await onDevice.ended
  return `${ERROR_CODES.UNAUTHORIZED.httpStatus} ${toUIMessages(messages).length}`
}

export function ChatPage(props: { url: string; sessionId: string }): ReactElement {
  const client = useSession({ url: props.url, sessionId: props.sessionId, principalId: 'alice' })
  const shown: readonly MessageView[] = useMessages(client)
  const { status } = useConnectionStatus(client)
  const people = usePresence(client)
  const { stop } = useSteer(client)
  return createElement('p', { onClick: () => stop(shown[0]?.id ?? '') }, `${status} ${people.length}`)
}

export function AiChat(props: { client: SessionClient }): ReactElement {
  const transport = useMemo(() => createLifelineChatTransport({ client: props.client }), [props.client])
  const chat = useChat({ id: props.client.sessionId, transport, resume: true })
  const { setMessages, resumeStream } = chat
  useEffect(() => transport.follow({ setMessages, resumeStream }), [transport, setMessages, resumeStream])
  return createElement('p', null, chat.messages.length)
}

/**
 * The React test app of e2e/specs/react-chat-app.spec.ts, bundled with esbuild by e2e/react-app/serve-react-app.ts.
 * It renders in StrictMode (so effects mount twice) one of two pages, chosen by the query string:
 * - `?page=hooks`: the session through the `lifeline/react` hooks (status, messages, people, a stop button), each
 *   message a `memo` component that counts its renders;
 * - `?page=chat`: an AI SDK `useChat` app whose transport is the Lifeline chat transport (`lifeline/ai-sdk`).
 * Both take `ws` (the server's WebSocket URL), `session` and `user` from the query string.
 */
import { useChat } from '@ai-sdk/react'
import { createElement as h, memo, StrictMode, useEffect, useMemo, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { createLifelineChatTransport } from '../../client/ai-sdk/create-lifeline-chat-transport.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { useConnectionStatus } from '../../client/react/use-connection-status.ts'
import { useMessages } from '../../client/react/use-messages.ts'
import { usePresence } from '../../client/react/use-presence.ts'
import { useSession } from '../../client/react/use-session.ts'
import { useSteer } from '../../client/react/use-steer.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { MESSAGE_RENDERS_GLOBAL } from './message-renders-global.ts'

const query = new URLSearchParams(location.search)
const options = {
  url: query.get('ws') ?? '',
  sessionId: query.get('session') ?? '',
  principalId: query.get('user') ?? 'alice',
}

/** How many times each message's row rendered, by message id: what the spec reads of `memo`. */
const renders: Record<string, number> = {}
Object.defineProperty(window, MESSAGE_RENDERS_GLOBAL, { value: renders })

/** One message: `memo` skips it while its view is the same object (a message no change touched keeps its view). */
const MessageItem = memo(function MessageItem({ message }: { message: MessageView }) {
  renders[message.id] = (renders[message.id] ?? 0) + 1
  return h('li', { 'data-role': message.role, 'data-status': message.status }, message.text)
})

function HooksPage() {
  const client = useSession(options)
  const messages = useMessages(client)
  const { status } = useConnectionStatus(client)
  const people = usePresence(client)
  const { stop } = useSteer(client)
  const streaming = messages.find((message) => message.status === 'streaming')
  return h(
    'main',
    null,
    h('p', { 'data-testid': 'status' }, status),
    h(
      'p',
      { 'data-testid': 'devices' },
      people.reduce((count, person) => count + person.devices.length, 0),
    ),
    h(
      'ul',
      null,
      messages.map((message) => h(MessageItem, { key: message.id, message })),
    ),
    streaming === undefined ? null : h('button', { type: 'button', onClick: () => stop(streaming.id) }, 'Stop'),
  )
}

function ChatPage() {
  const client = useSession(options)
  const { status } = useConnectionStatus(client)
  return h('main', null, h('p', { 'data-testid': 'status' }, status), client === undefined ? null : h(Chat, { client }))
}

function Chat({ client }: { client: SessionClient }) {
  const transport = useMemo(() => createLifelineChatTransport({ client }), [client])
  const { messages, sendMessage, stop, status, setMessages, resumeStream } = useChat({
    id: client.sessionId,
    transport,
    resume: true,
  })
  useEffect(() => transport.follow({ setMessages, resumeStream }), [transport, setMessages, resumeStream])
  const [input, setInput] = useState('')
  return h(
    'section',
    null,
    h('p', { 'data-testid': 'chat-status' }, status),
    h(
      'ul',
      null,
      messages.map((message) =>
        h(
          'li',
          { key: message.id, 'data-role': message.role },
          message.parts.map((part) => (part.type === 'text' ? part.text : '')).join(''),
        ),
      ),
    ),
    h(
      'form',
      {
        onSubmit: (event: { preventDefault(): void }) => {
          event.preventDefault()
          void sendMessage({ text: input })
          setInput('')
        },
      },
      h('input', {
        'aria-label': 'Message',
        value: input,
        onChange: (event: { target: { value: string } }) => setInput(event.target.value),
      }),
      h('button', { type: 'submit' }, 'Send'),
      h('button', { type: 'button', onClick: () => void stop() }, 'Stop'),
    ),
  )
}

const root = document.getElementById('root')
if (root !== null) createRoot(root).render(h(StrictMode, null, h(query.get('page') === 'chat' ? ChatPage : HooksPage)))

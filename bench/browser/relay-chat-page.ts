/**
 * The peer page of the browser bench: the demo chat's HTML, style sheet and message list drawing (renderMessageList
 * inside createFollower, drawn through scheduleRedraw as bindMessageList does) fed by a raw `ws` relay instead of
 * Lifeline. It keeps its messages in a plain array: no Yjs, no persistence, no offline copy.
 * Frames are the JSON of {@link RelayFrame} (serve-relay-chat.ts); the demo's composer (bindComposer) sends a user
 * message, shown at once.
 */
import { bindComposer } from '../../demo/app/bind-composer.ts'
import { byTestId } from '../../demo/app/by-test-id.ts'
import { createFollower } from '../../demo/app/create-follower.ts'
import { renderMessageList } from '../../demo/app/render-message-list.ts'
import { scheduleRedraw } from '../../demo/app/schedule-redraw.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { RelayFrame } from './serve-relay-chat.ts'

const SELF = 'relay-user'
const messages: MessageView[] = []
const list = byTestId('messages')
const follower = createFollower(list, byTestId<HTMLButtonElement>('new-messages-button'))
const socket = new WebSocket(`ws://${location.host}/relay`)

const render = (): void => {
  follower.update(() =>
    renderMessageList(list, messages, {
      selfId: SELF,
      nameOf: (principalId) => principalId,
      steering: [],
      readOnly: false,
      actions: { stop: () => {}, jumpTo: () => {} },
    }),
  )
}
const schedule = scheduleRedraw(render)
const message = (id: string, role: MessageView['role'], text: string, replyTo?: string): MessageView => ({
  id,
  role,
  author: role === 'user' ? SELF : 'relay-agent',
  createdAt: Date.now(),
  status: role === 'user' ? 'done' : 'streaming',
  text,
  parts: [],
  ...(replyTo === undefined ? {} : { replyTo }),
})

socket.addEventListener('message', (event) => {
  const frame = JSON.parse(String(event.data)) as RelayFrame
  const index = messages.findIndex((entry) => entry.id === frame.id)
  const current = messages[index]
  if (frame.kind === 'history') messages.push({ ...message(frame.id, frame.role, frame.text), status: 'done' })
  else if (frame.kind === 'reply' && current === undefined)
    messages.push(message(frame.id, 'assistant', frame.text, frame.replyTo))
  else if (frame.kind === 'reply' && current !== undefined)
    messages[index] = { ...current, text: current.text + frame.text }
  schedule()
})
socket.addEventListener('open', () => {
  document.body.dataset.relay = 'open'
})

bindComposer((text) => {
  const id = `u${messages.length}`
  messages.push(message(id, 'user', text))
  socket.send(JSON.stringify({ kind: 'user', id, text } satisfies RelayFrame))
  schedule()
})
render()

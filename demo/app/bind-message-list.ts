/**
 * bindMessageList: keeps the message list drawn from the client's ordered messages, at most once per animation
 * frame however many changes arrive in between.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { markPending } from './mark-pending.ts'
import { renderMessageList } from './render-message-list.ts'

/** Renders the list now and after every change, batched per frame; marks entries not sent yet (mark-pending.ts). */
export function bindMessageList(client: SessionClient): void {
  let framePending = false
  const messageList = byTestId('messages')
  const render = (): void => {
    renderMessageList(messageList, client.messages(), {
      stop: (messageId) => {
        client.steer({ kind: 'stop', target: messageId })
      },
    })
    markPending(messageList, client.doc, client.pendingEntries())
  }
  client.on('pending', (entries) => {
    markPending(messageList, client.doc, entries)
  })
  client.on('change', () => {
    if (framePending) return
    framePending = true
    requestAnimationFrame(() => {
      framePending = false
      render()
    })
  })
  render()
}

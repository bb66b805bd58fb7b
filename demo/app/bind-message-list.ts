/**
 * bindMessageList: keeps the message list drawn from the client's ordered messages, at most once per animation
 * frame however many changes arrive in between.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { byTestId } from './by-test-id.ts'
import { renderMessageList } from './render-message-list.ts'

/** Renders the list now and after every change, batched per frame. */
export function bindMessageList(client: SessionClient): void {
  let framePending = false
  const messageList = byTestId('messages')
  const render = (): void => {
    renderMessageList(messageList, client.messages(), {
      stop: (messageId) => {
        client.steer({ kind: 'stop', target: messageId })
      },
    })
  }
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

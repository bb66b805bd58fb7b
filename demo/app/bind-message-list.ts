/**
 * bindMessageList: keeps the message list drawn from the client's ordered messages, at most once per animation
 * frame however many changes arrive in between, following new text while the reader is at the bottom
 * (createFollower).
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { readSteering } from '../../shared/session/session-doc.ts'
import { byTestId } from './by-test-id.ts'
import { createFollower } from './create-follower.ts'
import { markPending } from './mark-pending.ts'
import { messageElementId, renderMessageList } from './render-message-list.ts'
import { scheduleOnAnimationFrame } from './schedule-on-animation-frame.ts'

/**
 * Renders the list now and after every change, batched per frame; `readOnly` leaves out the Stop buttons. Marks
 * entries not sent yet (mark-pending.ts).
 */
export function bindMessageList(client: SessionClient, options: { readonly readOnly: boolean }): void {
  const messageList = byTestId('messages')
  const follower = createFollower(messageList, byTestId<HTMLButtonElement>('new-messages-button'))
  const jumpTo = (messageId: string): void => {
    const target = document.getElementById(messageElementId(messageId))
    if (target === null) return
    target.scrollIntoView({ block: 'center' })
    target.focus({ preventScroll: true })
    target.classList.remove('highlight')
    void target.offsetWidth // restarts the highlight animation on a second jump
    target.classList.add('highlight')
  }
  const render = (): void => {
    follower.update(() =>
      renderMessageList(messageList, client.messages(), {
        selfId: client.principalId,
        nameOf: (principalId) => client.person(principalId)?.name ?? principalId,
        steering: readSteering(client.doc),
        readOnly: options.readOnly,
        actions: {
          stop: (messageId) => {
            client.steer({ kind: 'stop', target: messageId })
          },
          jumpTo,
        },
      }),
    )
    markPending(messageList, client.doc, client.pendingEntries())
  }
  client.on('pending', (entries) => {
    markPending(messageList, client.doc, entries)
  })
  client.on('change', scheduleOnAnimationFrame(render))
  render()
}

/**
 * bindMessageList: keeps the message list drawn from the client's ordered messages — a change that finds the page idle
 * at once, so the next frame shows it, else once in the next frame however many changes arrive in between
 * (scheduleRedraw) — following new text while the reader is at the bottom (createFollower). The first redraw takes the
 * place of a transcript snapshot drawn before the page's script ran (first-paint.ts).
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { readSteering } from '../../shared/session/session-doc.ts'
import { byTestId } from './by-test-id.ts'
import { createFollower } from './create-follower.ts'
import { markPending } from './mark-pending.ts'
import { messageElementId, renderMessageList } from './render-message-list.ts'
import { scheduleRedraw } from './schedule-redraw.ts'
import { dropTranscriptSnapshot } from './transcript-snapshot.ts'

/**
 * Renders the list once `loaded` resolves (the offline copy is in the document) and after every change; `readOnly`
 * leaves out the Stop buttons. Marks entries not sent yet (mark-pending.ts). `drawn` is called after every redraw.
 */
export function bindMessageList(
  client: SessionClient,
  options: { readonly readOnly: boolean; readonly loaded: Promise<void>; readonly drawn: () => void },
): void {
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
    dropTranscriptSnapshot(messageList)
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
    options.drawn()
  }
  client.on('pending', (entries) => {
    markPending(messageList, client.doc, entries)
  })
  client.on('change', scheduleRedraw(render))
  // Not before: an empty list would show the hint of an empty session until the copy's messages replace it.
  void options.loaded.then(render)
}

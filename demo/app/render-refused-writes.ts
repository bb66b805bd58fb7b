/**
 * renderRefusedWrites: the messages and steers of this person that the server refused (`client.refused()`), shown
 * at the end of the message list, each with the server's reason and Retry / Discard buttons — never a permanent
 * "failed" with no way out. A retry the SDK refuses at once (still over a limit) says why on the same entry.
 */
import type { RefusedWrite } from '../../client/core/session-client.ts'

/** What the entries' buttons do; `retry` throws when the SDK refuses to write it again. */
export interface RefusedWriteActions {
  retry(id: string): void
  discard(id: string): void
}

/** Words for a refused steer, by kind. */
const STEER_WORDS: Record<string, string> = {
  stop: 'Stop of a reply',
  redirect: 'Redirect',
  note: 'Note to the agent',
  approve: 'Approval',
  reject: 'Rejection',
}

/** Replaces the children of `box` with one entry per refused write; `box` is hidden when there is none. */
export function renderRefusedWrites(
  box: HTMLElement,
  writes: readonly RefusedWrite[],
  actions: RefusedWriteActions,
): void {
  box.hidden = writes.length === 0
  box.replaceChildren(...writes.map((write) => refusedElement(write, actions)))
}

function refusedElement(write: RefusedWrite, actions: RefusedWriteActions): HTMLElement {
  const element = document.createElement('article')
  element.className = 'message refused'
  element.dataset.testid = 'refused-write'
  element.dataset.refusedId = write.id
  element.dataset.role = 'user'
  const meta = document.createElement('span')
  meta.className = 'message-meta'
  const device = write.entry.device === undefined ? '' : ` · ${write.entry.device}`
  meta.textContent = `You${device} · not sent`
  const text = document.createElement('span')
  text.className = 'message-text'
  text.textContent =
    write.kind === 'message'
      ? (write.entry.text ?? '')
      : `${STEER_WORDS[write.entry.kind] ?? write.entry.kind}${write.entry.text === undefined ? '' : `: ${write.entry.text}`}`
  const note = document.createElement('p')
  note.className = 'message-note'
  note.dataset.testid = 'refused-reason'
  note.setAttribute('role', 'status')
  note.textContent = `The server refused this (${write.error.code}): ${write.error.message}`
  const buttons = document.createElement('div')
  buttons.className = 'message-actions'
  const retry = button('Retry', 'retry-button', () => {
    try {
      actions.retry(write.id)
    } catch (error) {
      note.textContent = `Still not sent: ${error instanceof Error ? error.message : String(error)}`
    }
  })
  const discard = button('Discard', 'discard-button', () => {
    actions.discard(write.id)
  })
  buttons.append(retry, discard)
  element.append(meta, text, note, buttons)
  return element
}

function button(label: string, testId: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button')
  element.type = 'button'
  element.textContent = label
  element.dataset.testid = testId
  element.addEventListener('click', onClick)
  return element
}

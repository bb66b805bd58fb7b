/**
 * renderMessageList: the demo chat's message list, drawn from the session order (`client.messages()`,
 * PROTOCOL.md §11) and never from the order messages arrived in. Updates are keyed by message id: a message's
 * element is created once, moved into place when a message that sorts before it arrives later (a reply to the first
 * of two questions asked at once), and its text is updated in place while it streams.
 */
import type { MessageView } from '../../shared/index.ts'

/** What the list's controls do. */
export interface MessageListActions {
  /** The Stop button of a reply was clicked. */
  stop(messageId: string): void
}

/** Distance from the bottom, in px, within which the list follows new text. */
const FOLLOW_WITHIN_PX = 40

/** The element of each key, per list container. */
const renderedLists = new WeakMap<HTMLElement, Map<string, HTMLElement>>()

/** Brings `container` to show `messages` in their given order, reusing the element of every message already shown. */
export function renderMessageList(
  container: HTMLElement,
  messages: readonly MessageView[],
  actions: MessageListActions,
): void {
  const rendered = renderedLists.get(container) ?? new Map<string, HTMLElement>()
  renderedLists.set(container, rendered)
  if (messages.length === 0) {
    rendered.clear()
    container.innerHTML = '<p class="empty">Say something — the demo agent answers in a long, streamed reply.</p>'
    return
  }
  container.querySelector('.empty')?.remove()
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < FOLLOW_WITHIN_PX
  const keys = keysOf(messages)
  const shown = new Set(keys)
  for (const [key, element] of rendered) {
    if (shown.has(key)) continue
    element.remove()
    rendered.delete(key)
  }
  let previous: Element | null = null
  messages.forEach((message, index) => {
    const key = keys[index] as string
    let element = rendered.get(key)
    if (element === undefined) {
      element = createMessageElement(message, actions)
      rendered.set(key, element)
    }
    updateMessageElement(element, message)
    const expectedNext: ChildNode | null = previous === null ? container.firstChild : previous.nextSibling
    if (expectedNext !== element) container.insertBefore(element, expectedNext)
    previous = element
  })
  if (atBottom) container.scrollTop = container.scrollHeight
}

/** One key per message: its id, with a counter when an id repeats, so no two messages share an element. */
function keysOf(messages: readonly MessageView[]): string[] {
  const seen = new Map<string, number>()
  return messages.map((message) => {
    const count = seen.get(message.id) ?? 0
    seen.set(message.id, count + 1)
    return count === 0 ? message.id : `${message.id}#${count}`
  })
}

function createMessageElement(message: MessageView, actions: MessageListActions): HTMLElement {
  const element = document.createElement('article')
  element.className = 'message'
  element.dataset.messageId = message.id
  element.dataset.testid = 'message'
  element.dataset.role = message.role
  element.innerHTML = '<span class="message-meta"></span><span class="message-text"></span>'
  if (message.role === 'assistant') {
    const stop = document.createElement('button')
    stop.className = 'stop-button'
    stop.dataset.testid = 'stop-button'
    stop.type = 'button'
    stop.textContent = '■ Stop'
    stop.addEventListener('click', () => {
      actions.stop(message.id)
    })
    element.append(stop)
  }
  return element
}

function updateMessageElement(element: HTMLElement, message: MessageView): void {
  element.dataset.status = message.status
  const meta = element.querySelector('.message-meta') as HTMLElement
  meta.textContent =
    message.role === 'user'
      ? `${message.author}${message.device === undefined ? '' : ` · ${message.device}`}`
      : `${message.author} · ${message.status}`
  const text = element.querySelector('.message-text') as HTMLElement
  if (text.textContent !== message.text) text.textContent = message.text
}

/**
 * renderMessageList: the demo chat's message list, drawn from the session order (`client.messages()`,
 * PROTOCOL.md §11) and never from the order messages arrived in. Updates are keyed by message id: a message's
 * element is created once, moved into place when a message that sorts before it arrives later (a reply to the first
 * of two questions asked at once), and its text is updated in place while it streams. Each reply links to the
 * question it answers; the words around a message come from describeMessage, its text is drawn in chunks by
 * renderMessageText.
 */
import type { MessageView } from '../../shared/index.ts'
import { describeMessage, type MessageContext } from './describe-message.ts'
import { renderMessageText } from './render-message-text.ts'

/** What the list's controls do. */
export interface MessageListActions {
  /** The Stop button of a reply was clicked. */
  stop(messageId: string): void
  /** The "answers …" link of a reply was followed: show and focus that question. */
  jumpTo(messageId: string): void
}

/** How the list is drawn. */
export interface MessageListOptions extends MessageContext {
  readonly actions: MessageListActions
  /** No Stop buttons (an observer's view). */
  readonly readOnly: boolean
}

/** Longest quote of a question shown on its reply, in characters. */
const QUOTE_CHARS = 80

/** The element of each key, per list container. */
const renderedLists = new WeakMap<HTMLElement, Map<string, HTMLElement>>()

/** The id of a message's element, the target of the links to it. */
export function messageElementId(messageId: string): string {
  return `message-${messageId}`
}

/**
 * Brings `container` to show `messages` in their given order, reusing the element of every message already shown.
 * Returns whether a message arrived or a message's text changed (what a reader scrolled up is told about).
 */
export function renderMessageList(
  container: HTMLElement,
  messages: readonly MessageView[],
  options: MessageListOptions,
): boolean {
  const rendered = renderedLists.get(container) ?? new Map<string, HTMLElement>()
  renderedLists.set(container, rendered)
  if (messages.length === 0) {
    rendered.clear()
    const hint = options.readOnly
      ? 'No messages yet.'
      : 'Say something — the demo agent answers in a long, streamed reply.'
    container.innerHTML = `<p class="empty">${hint}</p>`
    return false
  }
  container.querySelector('.empty')?.remove()
  const keys = keysOf(messages)
  const shown = new Set(keys)
  for (const [key, element] of rendered) {
    if (shown.has(key)) continue
    element.remove()
    rendered.delete(key)
  }
  const byId = new Map(messages.map((message) => [message.id, message]))
  let previous: Element | null = null
  let changed = false
  messages.forEach((message, index) => {
    const key = keys[index] as string
    let element = rendered.get(key)
    if (element === undefined) {
      element = createMessageElement(message, key, options)
      rendered.set(key, element)
      changed = true
    }
    if (updateMessageElement(element, message, byId, options)) changed = true
    const expectedNext: ChildNode | null = previous === null ? container.firstChild : previous.nextSibling
    if (expectedNext !== element) container.insertBefore(element, expectedNext)
    previous = element
  })
  return changed
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

function createMessageElement(message: MessageView, key: string, options: MessageListOptions): HTMLElement {
  const element = document.createElement('article')
  element.className = 'message'
  if (key === message.id) element.id = messageElementId(message.id)
  element.tabIndex = -1
  element.dataset.messageId = message.id
  element.dataset.testid = 'message'
  element.dataset.role = message.role
  element.innerHTML =
    '<span class="message-meta"></span><span class="message-text"></span>' +
    '<span class="message-note" data-testid="message-note" hidden></span>'
  if (message.replyTo !== undefined) {
    const link = document.createElement('a')
    link.className = 'reply-to'
    link.dataset.testid = 'reply-to'
    link.href = `#${messageElementId(message.replyTo)}`
    const target = message.replyTo
    link.addEventListener('click', (event) => {
      event.preventDefault()
      options.actions.jumpTo(target)
    })
    element.prepend(link)
  }
  if (message.role === 'assistant' && !options.readOnly) {
    const stop = document.createElement('button')
    stop.className = 'stop-button'
    stop.dataset.testid = 'stop-button'
    stop.type = 'button'
    stop.textContent = '■ Stop'
    stop.addEventListener('click', () => {
      options.actions.stop(message.id)
    })
    element.append(stop)
  }
  return element
}

/**
 * Returns whether the message's text changed. An element is left alone when it was last drawn from the same view
 * (`client.messages()` keeps the view of a message no change touched) with the same words around it: in a long
 * session a token then redraws its own reply, not every message.
 */
function updateMessageElement(
  element: HTMLElement,
  message: MessageView,
  byId: ReadonlyMap<string, MessageView>,
  options: MessageListOptions,
): boolean {
  const { meta, note } = describeMessage(message, options)
  const question = message.replyTo === undefined ? undefined : byId.get(message.replyTo)
  const drawn: DrawnMessage = { message, selfId: options.selfId, meta, note, question }
  const last = drawnMessages.get(element)
  drawnMessages.set(element, drawn)
  if (last !== undefined && sameDrawing(last, drawn)) return false
  element.dataset.status = message.status
  element.dataset.self = String(message.author === options.selfId)
  setText(element.querySelector('.message-meta') as HTMLElement, meta)
  const textChanged = renderMessageText(element.querySelector('.message-text') as HTMLElement, message.text)
  const noteElement = element.querySelector('.message-note') as HTMLElement
  noteElement.hidden = note === undefined
  setText(noteElement, note ?? '')
  const link = element.querySelector<HTMLElement>('.reply-to')
  if (link !== null && message.replyTo !== undefined)
    setText(link, question === undefined ? '↪ answers an earlier message' : `↪ answers “${quote(question.text)}”`)
  return textChanged
}

/** What a message's element was last drawn from. */
interface DrawnMessage {
  readonly message: MessageView
  readonly selfId: string
  readonly meta: string
  readonly note: string | undefined
  readonly question: MessageView | undefined
}

const drawnMessages = new WeakMap<HTMLElement, DrawnMessage>()

function sameDrawing(a: DrawnMessage, b: DrawnMessage): boolean {
  return (
    a.message === b.message &&
    a.selfId === b.selfId &&
    a.meta === b.meta &&
    a.note === b.note &&
    a.question === b.question
  )
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text
}

function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length <= QUOTE_CHARS ? line : `${line.slice(0, QUOTE_CHARS - 1)}…`
}

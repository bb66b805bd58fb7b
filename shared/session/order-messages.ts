/**
 * orderMessages: the session order of messages (PROTOCOL.md §11), the one order every reader shows — the SDKs'
 * `messages()`, `GET /v1/sessions/:id`, the inspector and, through `message.created`'s `after`, the event stream.
 * It depends only on the `messages` array as it stands, so replicas that converged show the same order whatever
 * order their updates arrived in; a screen that appended messages as they arrived would not.
 *
 *   orderMessages([u1, u2, reply(u1)])   // → [u1, reply(u1), u2]
 */

/** What the order reads of a message: its id and the id of the message it answers. */
export interface OrderedEntry {
  readonly id: string
  readonly replyTo?: string | undefined
}

/** The parent of a message that follows no question. */
const ROOT = -1
/** States of a message while findParents walks the `replyTo` chains. */
const UNSEEN = 0
const ON_PATH = 1
const SETTLED = 2

/**
 * The session order of `messages` (given in document order: the `messages` Y.Array, PROTOCOL.md §11): every
 * message follows its question — the message its `replyTo` names — after the earlier replies to that question and
 * their own replies; the rest keep document order. A `replyTo` naming no message, the message itself or a message
 * that (through its own `replyTo` chain) answers it is ignored: that message stays in its document place. Where ids
 * repeat, a reply follows the first message with that id. Total and pure: returns a new array holding each element
 * of `messages` exactly once.
 */
export function orderMessages<T extends OrderedEntry>(messages: readonly T[]): T[] {
  const parents = findParents(messages)
  const roots: number[] = []
  const children = new Map<number, number[]>()
  parents.forEach((parent, index) => {
    if (parent === ROOT) {
      roots.push(index)
      return
    }
    const siblings = children.get(parent)
    if (siblings === undefined) children.set(parent, [index])
    else siblings.push(index)
  })
  const ordered: T[] = []
  // Depth first, without recursion: a long chain of replies must not exhaust the call stack.
  const stack = roots.reverse()
  for (let index = stack.pop(); index !== undefined; index = stack.pop()) {
    ordered.push(messages[index] as T)
    const replies = children.get(index)
    if (replies !== undefined)
      for (let reply = replies.length - 1; reply >= 0; reply--) stack.push(replies[reply] as number)
  }
  return ordered
}

/** For each message, the index of its question, or ROOT; a `replyTo` chain that loops makes its members roots. */
function findParents(messages: readonly OrderedEntry[]): number[] {
  const firstIndex = new Map<string, number>()
  messages.forEach((message, index) => {
    if (!firstIndex.has(message.id)) firstIndex.set(message.id, index)
  })
  const parents = messages.map((message, index) => {
    const parent = message.replyTo === undefined ? undefined : firstIndex.get(message.replyTo)
    return parent === undefined || parent === index ? ROOT : parent
  })
  const state = new Array<number>(messages.length).fill(UNSEEN)
  for (let start = 0; start < messages.length; start++) {
    const path: number[] = []
    let index = start
    while (index !== ROOT && state[index] === UNSEEN) {
      state[index] = ON_PATH
      path.push(index)
      index = parents[index] ?? ROOT
    }
    // Back at a message of this walk: the messages from it to the walk's end answer each other in a loop.
    if (index !== ROOT && state[index] === ON_PATH)
      for (const member of path.slice(path.indexOf(index))) parents[member] = ROOT
    for (const member of path) state[member] = SETTLED
  }
  return parents
}

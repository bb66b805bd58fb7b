/**
 * messageOfParts: the message a `parts` array belongs to, when that message is an element of the `messages` root.
 */
import * as Y from 'yjs'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'

/** The message map holding `parts`, when it is a message of the session; undefined for anything else. */
export function messageOfParts(parts: unknown): Y.Map<unknown> | undefined {
  const message = parts instanceof Y.Array ? parts._item?.parent : undefined
  // A root read from an update stays an untyped AbstractType until someone asks for it by type: compare by name.
  const root = message instanceof Y.Map ? message._item?.parent : undefined
  if (!(root instanceof Y.AbstractType) || root._item !== null || Y.findRootTypeKey(root) !== SESSION_ROOTS.MESSAGES)
    return undefined
  return message as Y.Map<unknown>
}

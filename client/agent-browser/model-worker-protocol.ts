/**
 * The messages between a page and a Web Worker running an on-device model (./serve-on-device-model.ts in the worker,
 * ./from-model-worker.ts in the page). The page asks for one reply per request id and may abort it; the worker sends
 * the reply's tokens or parts, then its end or its error. Everything crosses by structured clone.
 */
import type { ReplyPart } from '../agent/reply-part.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'

/** Page to worker. */
export type ModelWorkerRequest =
  | {
      readonly type: 'lifeline-model-generate'
      readonly id: string
      readonly message: MessageView
      readonly transcript: readonly MessageView[]
    }
  | { readonly type: 'lifeline-model-abort'; readonly id: string }

/** Worker to page. */
export type ModelWorkerReply =
  | { readonly type: 'lifeline-model-part'; readonly id: string; readonly part: string | ReplyPart }
  | { readonly type: 'lifeline-model-end'; readonly id: string }
  | { readonly type: 'lifeline-model-error'; readonly id: string; readonly message: string }

/** What both ends need of a Worker, a worker's global scope or a MessagePort. */
export interface ModelWorkerEndpoint {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

/** The `type` of every message of this protocol starts with it. */
const TYPE_PREFIX = 'lifeline-model-'

/** True when `data` looks like a message of this protocol (a `type` with its prefix and a string `id`). */
export function isModelWorkerMessage(data: unknown): data is { readonly type: string; readonly id: string } {
  if (typeof data !== 'object' || data === null) return false
  const { type, id } = data as { type?: unknown; id?: unknown }
  return typeof type === 'string' && type.startsWith(TYPE_PREFIX) && typeof id === 'string'
}

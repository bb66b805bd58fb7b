/**
 * SessionDeletions on Redis: one channel per deployment, `<prefix>#session-deleted` (a `#`, like Hocuspocus' reply
 * channels, so it can never be a session's own channel `<prefix>:<session>`), carrying `{ node, sessionId }` as JSON.
 * Notices go out on the extension's publishing connection and come in on a subscriber connection of their own: the
 * extension's subscriber reads every message as a Yjs frame. A node skips its own notices. Redis keeps nothing: a
 * node that is cut off while a session is deleted misses the notice, and the store then refuses its clients' writes.
 */
import type { Redis as RedisClient } from 'ioredis'
import { parseSessionId } from '../../shared/session/session-id.ts'
import type { SessionDeletions } from '../session-eraser.ts'

/** Options of {@link createRedisSessionDeletions}. */
export interface RedisSessionDeletionsOptions {
  /** A connected (non-subscriber) Redis client. */
  readonly publisher: RedisClient
  /** A Redis client used for nothing else: it is put in subscriber mode. */
  readonly subscriber: RedisClient
  /** Key namespace, shared by all nodes of one deployment. */
  readonly prefix: string
  /** This node's name: its own notices come back and are skipped. */
  readonly node: string
  /** Receives a failed subscription and notices that cannot be read. */
  readonly onError: (error: unknown) => void
}

/** Subscribes to the deployment's deletion notices. */
export function createRedisSessionDeletions(options: RedisSessionDeletionsOptions): SessionDeletions {
  const { publisher, subscriber, node, onError } = options
  const channel = `${options.prefix}#session-deleted`
  const listeners: Array<(sessionId: string) => void> = []
  subscriber.subscribe(channel).catch(onError)
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return
    try {
      const notice = readNotice(message)
      if (notice.node !== node) for (const listener of listeners) listener(notice.sessionId)
    } catch (error) {
      onError(error)
    }
  })
  return {
    async publish(sessionId) {
      await publisher.publish(channel, JSON.stringify({ node, sessionId }))
    },
    subscribe(listener) {
      listeners.push(listener)
    },
  }
}

/** @throws SessionError INVALID_SESSION_ID; SyntaxError for a message that is not JSON */
function readNotice(message: string): { node: unknown; sessionId: string } {
  const { node, sessionId } = JSON.parse(message) as { node?: unknown; sessionId?: unknown }
  return { node, sessionId: parseSessionId(sessionId) }
}

/**
 * useMessages: the session's messages in session order (PROTOCOL.md §11), re-rendered on every change.
 */
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { SessionClient } from '../core/session-client.ts'
import { useClientValue } from './use-client-value.ts'

const NO_MESSAGES: readonly MessageView[] = Object.freeze([])

/** Every message of the session, as `client.messages()`; empty without a client (SSR, before mount). */
export function useMessages(client: SessionClient | undefined): readonly MessageView[] {
  return useClientValue(client, ['change', 'replica'], (current) => current.messages(), NO_MESSAGES)
}

/**
 * usePresence: who is in the session now, one entry per person with their devices (`client.presenceByPerson()`).
 */
import type { PersonPresence, SessionClient } from '../core/session-client.ts'
import { useClientValue } from './use-client-value.ts'

const NOBODY: readonly PersonPresence[] = Object.freeze([])

/** People present, this client's principal first; empty without a client (SSR, before mount). */
export function usePresence(client: SessionClient | undefined): readonly PersonPresence[] {
  return useClientValue(client, ['presence', 'change'], (current) => current.presenceByPerson(), NOBODY)
}

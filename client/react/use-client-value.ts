/**
 * useClientValue: one value read from a session client, kept current through `useSyncExternalStore`. The value is
 * read again only after one of `events` fired, so a render gets the same object until the session changed. Without a
 * client — on the server (SSR) and before `useSession`'s effect created one — it is `fallback`.
 */
import { useMemo, useSyncExternalStore } from 'react'
import type { SessionClient, SessionClientEvents } from '../core/session-client.ts'

/** A client event a value depends on. */
export type ClientEvent = keyof SessionClientEvents

/**
 * The current `read(client)`, re-read after any of `events`. `events`, `read` and `fallback` must not change between
 * renders (module constants): only `client` is a dependency.
 */
export function useClientValue<T>(
  client: SessionClient | undefined,
  events: readonly ClientEvent[],
  read: (client: SessionClient) => T,
  fallback: T,
): T {
  // biome-ignore lint/correctness/useExhaustiveDependencies: events, read and fallback are module constants by contract
  const store = useMemo(() => {
    let cached: { readonly value: T } | undefined
    return {
      subscribe(listener: () => void): () => void {
        if (client === undefined) return () => undefined
        const changed = (): void => {
          cached = undefined
          listener()
        }
        const on = client.on as (event: ClientEvent, handler: () => void) => void
        const off = client.off as (event: ClientEvent, handler: () => void) => void
        for (const event of events) on(event, changed)
        cached = undefined
        return () => {
          for (const event of events) off(event, changed)
        }
      },
      getSnapshot(): T {
        if (client === undefined) return fallback
        cached ??= { value: read(client) }
        return cached.value
      },
    }
  }, [client])
  return useSyncExternalStore(store.subscribe, store.getSnapshot, () => fallback)
}

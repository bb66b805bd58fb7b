/**
 * useSession: opens a session client when the component mounts and destroys it when it unmounts or the session's
 * identity (url, session, principal, device, role) changes. The client is created in an effect, never during render:
 * server rendering opens no connection, and a StrictMode double mount destroys its first client before the second
 * one exists, so exactly one connection stays open.
 *
 *   const client = useSession({ url: 'ws://127.0.0.1:8787/v1/ws', sessionId, principalId: 'alice' })
 *   const messages = useMessages(client)
 */
import { useEffect, useRef, useState } from 'react'
import { createSessionClient, type SessionClient, type SessionClientOptions } from '../core/session-client.ts'

/** Options of {@link useSession}: a session client's, plus the factory that opens it. */
export type UseSessionOptions = SessionClientOptions & {
  /**
   * Opens the client (default `createSessionClient` from `lifeline/core`); pass `createBrowserSessionClient` from
   * `lifeline/browser` for an offline copy in IndexedDB.
   */
  readonly create?: (options: SessionClientOptions) => SessionClient
}

/**
 * The session client of `options`, or undefined during server rendering, before the first effect ran, and while
 * `options` is undefined (nothing to open yet). Options other than the identity fields are read when the client is
 * opened; changing only them does not reopen it.
 */
export function useSession(options: UseSessionOptions | undefined): SessionClient | undefined {
  const [client, setClient] = useState<SessionClient>()
  const latest = useRef(options)
  latest.current = options
  const identity =
    options === undefined
      ? undefined
      : JSON.stringify([options.url, options.sessionId, options.principalId, options.device, options.role])
  // biome-ignore lint/correctness/useExhaustiveDependencies: the identity string stands for the options it is made of
  useEffect(() => {
    const current = latest.current
    if (current === undefined) return
    const { create = createSessionClient, ...clientOptions } = current
    const opened = create(clientOptions)
    setClient(opened)
    return () => {
      opened.destroy()
      setClient((shown) => (shown === opened ? undefined : shown))
    }
  }, [identity])
  return client
}

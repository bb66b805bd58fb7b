/**
 * listenPostgresChannel: one dedicated connection that LISTENs on a PostgreSQL notification channel, so processes
 * sharing a database learn of each other's commits (PostgreSQL delivers a NOTIFY when its transaction commits). The
 * factory resolves once the channel is listened to; after a failure the connection is reopened every `retryMs`.
 * Notifications sent while it is down are lost: listeners must treat them as wake-ups, never as the data itself.
 */
import pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'

/** Options of {@link listenPostgresChannel}. */
export interface PostgresChannelOptions {
  readonly connectionString: string
  /** Channel name: a plain lower-case identifier. */
  readonly channel: string
  /** Reports the first failure of each outage. */
  readonly onError: (error: unknown) => void
  /** Delay before reopening a failed connection (default 1000 ms). */
  readonly retryMs?: number
}

/** A channel's listeners. */
export interface PostgresChannel {
  /** Calls `listener` with each notification's payload; returns an unsubscribe. */
  listen(listener: (payload: string) => void): () => void
  /** Closes the connection; no listener is called afterwards. */
  close(): Promise<void>
}

/**
 * Connects and LISTENs.
 * @throws SessionError PERSISTENCE_FAILED when the first connection fails
 */
export async function listenPostgresChannel(options: PostgresChannelOptions): Promise<PostgresChannel> {
  const listeners = new Set<(payload: string) => void>()
  const retryMs = options.retryMs ?? 1000
  let client: pg.Client | undefined
  let retry: NodeJS.Timeout | undefined
  let reported = false
  let started = false
  let closed = false

  const connect = async (): Promise<void> => {
    const connection = new pg.Client({ connectionString: options.connectionString })
    client = connection
    const fail = (error: unknown): void => {
      if (client !== connection) return
      client = undefined
      connection.end().catch(() => undefined) // reason: the connection already failed; ending it only frees it
      if (!started || closed) return
      if (!reported) options.onError(error)
      reported = true
      retry = setTimeout(() => {
        retry = undefined
        connect().catch(() => undefined)
      }, retryMs).unref() // reason: fail() ran
    }
    connection.on('error', fail)
    connection.on('end', () => {
      fail(new Error(`the LISTEN connection of ${options.channel} ended`))
    })
    connection.on('notification', (message) => {
      if (message.channel !== options.channel) return
      for (const listener of listeners) listener(message.payload ?? '')
    })
    try {
      await connection.connect()
      await connection.query(`LISTEN "${options.channel}"`)
      reported = false
    } catch (error) {
      fail(error)
      throw error
    }
  }
  try {
    await connect()
  } catch (cause) {
    throw new SessionError('PERSISTENCE_FAILED', `cannot LISTEN on PostgreSQL channel ${options.channel}`, { cause })
  }
  started = true

  return {
    listen(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    async close() {
      closed = true
      listeners.clear()
      clearTimeout(retry)
      const open = client
      client = undefined
      await open?.end()
    },
  }
}

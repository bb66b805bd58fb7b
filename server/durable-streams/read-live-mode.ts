/**
 * The `live` query parameter of a stream read (PROTOCOL.md §9.2): absent for a catch-up read, else one of LIVE_MODES.
 * Anything else answers 400 rather than silently reading in catch-up mode, so a client that mistyped the mode learns
 * it at once instead of polling a stream it believes it follows.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { LIVE_MODES, STREAM_QUERY } from '../../shared/protocol/durable-streams.ts'

/** How a GET reads a stream. */
export type LiveMode = 'catch-up' | (typeof LIVE_MODES)[keyof typeof LIVE_MODES]

/**
 * The read mode `url` asks for.
 * @throws SessionError BAD_REQUEST (listing the valid modes) for an unknown mode or more than one `live` parameter
 */
export function readLiveMode(url: URL): LiveMode {
  const values = url.searchParams.getAll(STREAM_QUERY.LIVE)
  if (values.length === 0) return 'catch-up'
  const modes: readonly string[] = Object.values(LIVE_MODES)
  const [value] = values
  if (values.length === 1 && value !== undefined && modes.includes(value)) return value as LiveMode
  throw new SessionError(
    'BAD_REQUEST',
    `${STREAM_QUERY.LIVE} must be one of ${modes.join(', ')} (or absent for a catch-up read)`,
    {
      details: { field: STREAM_QUERY.LIVE, value: values.length === 1 ? value : values, valid: modes },
    },
  )
}

/**
 * Stream offsets (PROTOCOL.md §9.2): `<messages>_<bytes>`, each 16 zero-padded decimal digits, so that they sort
 * lexicographically in stream order. `messages` counts the messages stored before the offset and addresses reads;
 * `bytes` counts their bytes and only keeps offsets recognisable to clients that expect byte positions.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { OFFSET_NOW, OFFSET_START } from '../../shared/protocol/durable-streams.ts'

/** A position in a stream: after `messages` messages holding `bytes` bytes. */
export interface StreamPosition {
  readonly messages: number
  readonly bytes: number
}

/** A read position as requested: a real position, or the tail (`now`). */
export type RequestedOffset =
  | { readonly kind: 'position'; readonly position: StreamPosition }
  | { readonly kind: 'now' }

const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/

/** The offset string of `position`. */
export function formatOffset(position: StreamPosition): string {
  return `${String(position.messages).padStart(16, '0')}_${String(position.bytes).padStart(16, '0')}`
}

/**
 * Parses the `offset` query parameter; an absent one means the start.
 * @throws SessionError BAD_REQUEST for anything but `-1`, `now` or an offset this server minted
 */
export function parseOffset(text: string | undefined): RequestedOffset {
  if (text === undefined || text === OFFSET_START) return { kind: 'position', position: { messages: 0, bytes: 0 } }
  if (text === OFFSET_NOW) return { kind: 'now' }
  const match = OFFSET_PATTERN.exec(text)
  if (match === null) throw new SessionError('BAD_REQUEST', 'malformed stream offset', { details: { offset: text } })
  return { kind: 'position', position: { messages: Number(match[1]), bytes: Number(match[2]) } }
}

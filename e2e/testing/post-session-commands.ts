/**
 * POSTs agent commands to a session's event stream with idempotent-producer headers (PROTOCOL.md §9.7), as an
 * agent without Yjs (curl, Python) would.
 */
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

/** One producer batch: its headers and JSON commands. */
export interface CommandBatch {
  readonly producerId: string
  readonly epoch: number
  readonly seq: number
  readonly commands: unknown
  readonly token?: string
}

/** Sends `batch` and resolves the response. */
export async function postSessionCommands(baseUrl: string, sessionId: string, batch: CommandBatch): Promise<Response> {
  return await fetch(`${baseUrl}${sessionStreamPath(sessionId)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [STREAM_HEADERS.PRODUCER_ID]: batch.producerId,
      [STREAM_HEADERS.PRODUCER_EPOCH]: String(batch.epoch),
      [STREAM_HEADERS.PRODUCER_SEQ]: String(batch.seq),
      ...(batch.token === undefined ? {} : { authorization: `Bearer ${batch.token}` }),
    },
    body: JSON.stringify(batch.commands),
  })
}

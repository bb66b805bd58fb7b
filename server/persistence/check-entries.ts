/**
 * Validation of rows read back from a log: every row's CRC-32 must match and seqs must be contiguous, or the
 * load fails with LOG_CORRUPT naming the session and the first bad seq. A partial load is never returned.
 */
import { crc32 } from 'node:zlib'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { LogEntry } from './update-log.ts'

/** A raw row as stored: seq, bytes and their CRC-32. */
export interface StoredRow {
  readonly seq: number
  readonly data: Uint8Array
  readonly crc: number
}

/**
 * Checks rows that should follow `afterSeq` contiguously and converts them to entries.
 * @throws SessionError LOG_CORRUPT
 */
export function checkEntries(
  sessionId: string,
  afterSeq: number,
  rows: readonly StoredRow[],
  kind: 'update' | 'snapshot',
): LogEntry[] {
  let expected = afterSeq + 1
  return rows.map((row) => {
    if (kind === 'update' && row.seq !== expected) {
      throw corrupt(sessionId, expected, `log is missing seq ${expected} (next stored seq is ${row.seq})`)
    }
    if (crc32(row.data) !== row.crc) {
      throw corrupt(sessionId, row.seq, `${kind} at seq ${row.seq} fails its checksum`)
    }
    expected = row.seq + 1
    return { seq: row.seq, update: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength) }
  })
}

function corrupt(sessionId: string, seq: number, reason: string): SessionError {
  return new SessionError('LOG_CORRUPT', `session ${sessionId}: ${reason}`, { details: { sessionId, seq } })
}

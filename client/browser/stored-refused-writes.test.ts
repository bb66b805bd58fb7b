/**
 * The refused writes as kept in IndexedDB: a round trip gives the same writes with real SessionErrors, and a value
 * this code did not write gives none (or only its well-formed writes).
 */
import { describe, expect, it } from 'vitest'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { RefusedWrite } from '../core/refused-writes.ts'
import { decodeRefusedWrites, encodeRefusedWrites } from './stored-refused-writes.ts'

const WRITES: RefusedWrite[] = [
  {
    kind: 'message',
    id: 'm1',
    entry: { id: 'm1', role: 'user', author: 'alice', status: 'done', text: 'too long', createdAt: 1 },
    error: new SessionError('TEXT_TOO_LONG', 'text over the limit', { details: { reason: 'maxUserTextChars' } }),
  },
  {
    kind: 'steer',
    id: 's1',
    entry: { id: 's1', kind: 'stop', author: 'alice', createdAt: 2 },
    error: new SessionError('UPDATE_REJECTED', 'refused', { details: { reason: 'steer' } }),
  },
]

describe('stored refused writes', () => {
  it('reads back what it wrote, with SessionErrors', () => {
    const read = decodeRefusedWrites(encodeRefusedWrites(WRITES))
    expect(read.map(({ kind, id, entry }) => ({ kind, id, entry }))).toEqual(
      WRITES.map(({ kind, id, entry }) => ({ kind, id, entry })),
    )
    expect(read.map((write) => write.error)).toEqual(WRITES.map((write) => write.error))
    expect(read.every((write) => write.error instanceof SessionError)).toBe(true)
    expect(read[0]?.error.details).toEqual({ reason: 'maxUserTextChars' })
  })

  it('reads nothing from a missing or foreign value, and skips malformed writes', () => {
    expect(decodeRefusedWrites(undefined)).toEqual([])
    expect(decodeRefusedWrites('{not json')).toEqual([])
    expect(decodeRefusedWrites('{"kind":"message"}')).toEqual([])
    const stored = JSON.parse(encodeRefusedWrites(WRITES)) as unknown[]
    const mixed = [{ ...(stored[0] as object), error: { code: 'NOT_A_CODE', message: 'x' } }, null, 'x', stored[1]]
    expect(decodeRefusedWrites(JSON.stringify(mixed)).map((write) => write.id)).toEqual(['s1'])
  })
})

import { describe, expect, it } from 'vitest'
import { MAX_RETENTION_SECONDS, parseRetentionPeriods } from './retention-periods.ts'

describe('parseRetentionPeriods', () => {
  it('keeps the periods given, in whole seconds', () => {
    expect(parseRetentionPeriods({}, 'retention')).toEqual({})
    expect(parseRetentionPeriods({ archiveAfterSeconds: 60, deleteAfterSeconds: 60 }, 'retention')).toEqual({
      archiveAfterSeconds: 60,
      deleteAfterSeconds: 60,
    })
    expect(parseRetentionPeriods({ deleteAfterSeconds: MAX_RETENTION_SECONDS }, 'retention')).toEqual({
      deleteAfterSeconds: MAX_RETENTION_SECONDS,
    })
  })

  it.each([
    [null, 'retention'],
    [[], 'retention'],
    [{ keepForever: true }, 'retention'],
    [{ archiveAfterSeconds: 0 }, 'retention.archiveAfterSeconds'],
    [{ archiveAfterSeconds: 1.5 }, 'retention.archiveAfterSeconds'],
    [{ deleteAfterSeconds: '60' }, 'retention.deleteAfterSeconds'],
    [{ deleteAfterSeconds: MAX_RETENTION_SECONDS + 1 }, 'retention.deleteAfterSeconds'],
    [{ archiveAfterSeconds: 120, deleteAfterSeconds: 60 }, 'retention.deleteAfterSeconds'],
  ])('refuses %j with BAD_REQUEST naming %s', (value, field) => {
    expect(() => parseRetentionPeriods(value, 'retention')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', details: { field } }),
    )
  })
})

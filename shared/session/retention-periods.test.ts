import { describe, expect, it } from 'vitest'
import { MAX_RETENTION_SECONDS, parseRetentionPeriods, storedRetentionPeriods } from './retention-periods.ts'

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

  it('reads stored periods leniently: what does not parse is no policy', () => {
    expect(storedRetentionPeriods(undefined)).toBeUndefined()
    expect(storedRetentionPeriods({ deleteAfterSeconds: 60 })).toEqual({ deleteAfterSeconds: 60 })
    expect(storedRetentionPeriods({ deleteAfterSeconds: -1 })).toBeUndefined()
    expect(storedRetentionPeriods('forever')).toBeUndefined()
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

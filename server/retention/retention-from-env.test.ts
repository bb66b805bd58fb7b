import { describe, expect, it } from 'vitest'
import { retentionFromEnv } from './retention-from-env.ts'

describe('retentionFromEnv', () => {
  it('is unset without any variable', () => {
    expect(retentionFromEnv({})).toBeUndefined()
    expect(retentionFromEnv({ LIFELINE_RETENTION_ARCHIVE: '' })).toBeUndefined()
  })

  it('reads the periods and a JSON lines archive', () => {
    expect(
      retentionFromEnv({
        LIFELINE_RETENTION_ARCHIVE_AFTER_SECONDS: '604800',
        LIFELINE_RETENTION_DELETE_AFTER_SECONDS: '2592000',
        LIFELINE_RETENTION_ARCHIVE: 'jsonl:./data/archive',
      }),
    ).toEqual({
      default: { archiveAfterSeconds: 604_800, deleteAfterSeconds: 2_592_000 },
      archive: { kind: 'jsonl', dir: './data/archive' },
    })
  })

  it('puts a PostgreSQL archive beside a PostgreSQL store, in its schema', () => {
    const store = 'postgres://lifeline@db:5432/app?schema=chat'
    expect(retentionFromEnv({ LIFELINE_RETENTION_ARCHIVE: 'postgres:kept' }, store)).toEqual({
      default: {},
      archive: { kind: 'postgres', connectionString: 'postgres://lifeline@db:5432/app', schema: 'chat', table: 'kept' },
    })
  })

  it.each([
    [{ LIFELINE_RETENTION_DELETE_AFTER_SECONDS: '1h' }, 'LIFELINE_RETENTION.deleteAfterSeconds'],
    [{ LIFELINE_RETENTION_ARCHIVE_AFTER_SECONDS: '0' }, 'LIFELINE_RETENTION.archiveAfterSeconds'],
    [{ LIFELINE_RETENTION_ARCHIVE: 's3://bucket' }, 'LIFELINE_RETENTION_ARCHIVE'],
    [{ LIFELINE_RETENTION_ARCHIVE: 'jsonl:' }, 'LIFELINE_RETENTION_ARCHIVE'],
    [{ LIFELINE_RETENTION_ARCHIVE: 'postgres' }, 'LIFELINE_RETENTION_ARCHIVE'],
  ])('refuses %j with BAD_REQUEST naming %s', (env, field) => {
    expect(() => retentionFromEnv(env, './data/lifeline.sqlite')).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', details: { field } }),
    )
  })
})

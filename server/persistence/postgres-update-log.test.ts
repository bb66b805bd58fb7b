/**
 * PostgreSQL UpdateLog: the shared contract against the real server on 127.0.0.1:5432 (LIFELINE_TEST_POSTGRES
 * overrides the URL), one fresh schema per log, plus appends from two independent logs (two "nodes") to one
 * session, which must interleave into one contiguous seq sequence, and appends racing another node's deleteSession,
 * which must leave nothing behind.
 */
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createPostgresUpdateLog } from './postgres-update-log.ts'
import { describeUpdateLogContract } from './update-log.contract.ts'
import type { UpdateLog } from './update-log.ts'

const connectionString = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'
const schemas: string[] = []
const schemaOf = new WeakMap<UpdateLog, string>()

afterAll(async () => {
  const client = new pg.Client({ connectionString })
  await client.connect()
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await client.end()
})

async function openLog(schema: string): Promise<UpdateLog> {
  const log = await createPostgresUpdateLog({ connectionString, schema })
  schemaOf.set(log, schema)
  return log
}

function freshSchema(): string {
  const schema = `lifeline_test_${createRandomId(10)}`
  schemas.push(schema)
  return schema
}

describeUpdateLogContract(
  'postgres',
  () => openLog(freshSchema()),
  (closed) => {
    const schema = schemaOf.get(closed)
    if (schema === undefined) throw new Error('log was not opened by this test file')
    return openLog(schema)
  },
)

describe('PostgreSQL UpdateLog across nodes', () => {
  it('gives appends from two nodes to one session one contiguous seq order', async () => {
    const schema = freshSchema()
    const [nodeA, nodeB] = await Promise.all([openLog(schema), openLog(schema)])
    await create(nodeA, 'shared')
    const appends = Array.from({ length: 40 }, (_, index) =>
      (index % 2 === 0 ? nodeA : nodeB).append('shared', [new Uint8Array([index])]),
    )
    const seqs = (await Promise.all(appends)).flat()
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1))
    const stored = await nodeA.load('shared')
    expect(stored.entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1))
    expect(stored.entries.map((entry) => entry.update[0]).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 40 }, (_, index) => index),
    )
    await Promise.all([nodeA.close(), nodeB.close()])
  })

  it('leaves no row of an append that races deleteSession on another node, and no record', async () => {
    const schema = freshSchema()
    const [nodeA, nodeB] = await Promise.all([openLog(schema), openLog(schema)])
    const outcomes = new Set<string>()
    for (let round = 0; round < 30; round++) {
      const sessionId = `erased-${round}`
      await create(nodeA, sessionId)
      await nodeA.append(sessionId, [new Uint8Array([round])])
      const [late] = await Promise.allSettled([
        nodeB.append(sessionId, [new Uint8Array([round, 1])]),
        nodeA.deleteSession(sessionId),
      ])
      outcomes.add(late.status === 'fulfilled' ? 'appended, then erased' : (late.reason as { code: string }).code)
      expect(await nodeB.getSession(sessionId)).toBeUndefined()
      expect(await nodeB.load(sessionId)).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
      expect(await nodeB.readAudit(sessionId)).toEqual([])
    }
    expect(['appended, then erased', 'SESSION_NOT_FOUND']).toEqual(expect.arrayContaining([...outcomes]))
    await Promise.all([nodeA.close(), nodeB.close()])
  })

  it('never loads a stale snapshot with an already-trimmed tail while compactions commit', async () => {
    const log = await openLog(freshSchema())
    await create(log, 'racing')
    const stale: string[] = []
    for (let round = 1; round <= 40; round++) {
      await log.append('racing', [new Uint8Array([round])])
      // Loads before, during and after the compaction's commit.
      const loads = Array.from({ length: 8 }, () => log.load('racing'))
      const [, ...loaded] = await Promise.all([
        log.replacePrefix('racing', new Uint8Array([0, round]), round),
        ...loads,
      ])
      for (const stored of loaded) {
        const lastSeq = stored.entries.at(-1)?.seq ?? stored.snapshotSeq
        if (lastSeq !== round)
          stale.push(`round ${round}: snapshot ${stored.snapshotSeq}, ${stored.entries.length} entries`)
      }
    }
    expect(stale).toEqual([])
    await log.close()
  })

  it('stores an update only together with its audit row: a failing audit insert rolls the append back', async () => {
    const schema = freshSchema()
    const log = await openLog(schema)
    await create(log, 's')
    await log.append('s', [new Uint8Array([1])])
    const client = new pg.Client({ connectionString })
    await client.connect()
    await client.query(`CREATE FUNCTION "${schema}".refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON "${schema}".audit FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_audit();`)
    await expect(log.append('s', [new Uint8Array([2])])).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' })
    expect((await log.load('s')).entries.map((entry) => entry.seq)).toEqual([1])
    await client.query(`DROP TRIGGER refuse_audit ON "${schema}".audit`)
    await client.end()
    expect(await log.append('s', [new Uint8Array([3])])).toEqual([2])
    expect((await log.readAudit('s')).map((entry) => entry.seq)).toEqual([1, 2])
    await log.close()
  })

  it('adds the owner column to a schema written before sessions had owners; its sessions get owner null', async () => {
    const schema = freshSchema()
    const client = new pg.Client({ connectionString })
    await client.connect()
    await client.query(`CREATE SCHEMA "${schema}";
      CREATE TABLE "${schema}".sessions (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, next_seq BIGINT NOT NULL);
      INSERT INTO "${schema}".sessions VALUES ('old', 'Before owners', 1000, 2000, 1);`)
    await client.end()
    // Two nodes starting together both migrate; the advisory lock serialises them.
    const [log, other] = await Promise.all([openLog(schema), openLog(schema)])
    expect(await log.getSession('old')).toEqual({
      id: 'old',
      title: 'Before owners',
      createdAt: 1_000,
      updatedAt: 2_000,
      owner: null,
    })
    await log.createSession({ id: 'new', title: '', createdAt: 3_000, owner: 'alice' })
    expect(await other.getSession('new')).toMatchObject({ owner: 'alice' })
    expect(await other.append('old', [new Uint8Array([1])])).toEqual([1])
    await Promise.all([log.close(), other.close()])
  })

  it('rejects an invalid schema name with BAD_REQUEST', async () => {
    await expect(createPostgresUpdateLog({ connectionString, schema: 'x"; DROP TABLE y; --' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    })
  })

  it('fails with PERSISTENCE_FAILED when the database is unreachable', async () => {
    await expect(
      createPostgresUpdateLog({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: freshSchema() }),
    ).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' })
  })
})

describe('PostgreSQL UpdateLog: corruption', () => {
  async function corrupted(statement: string): Promise<unknown> {
    const schema = freshSchema()
    const log = await openLog(schema)
    await create(log, 'damaged')
    await log.append('damaged', [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])])
    const client = new pg.Client({ connectionString })
    await client.connect()
    await client.query(statement.replaceAll('$schema', `"${schema}"`))
    await client.end()
    const failure = await log.load('damaged').then(
      () => undefined,
      (error: unknown) => error,
    )
    await log.close()
    return failure
  }

  it('fails the load with LOG_CORRUPT naming the session and seq when a row is damaged', async () => {
    const error = await corrupted(`UPDATE $schema.updates SET data = '\\x09'::bytea WHERE seq = 2`)
    expect(error).toMatchObject({ code: 'LOG_CORRUPT', details: { sessionId: 'damaged', seq: 2 } })
    expect(String((error as Error).message)).toContain('damaged')
  })

  it('fails the load with LOG_CORRUPT naming the missing seq when a row is gone', async () => {
    const error = await corrupted('DELETE FROM $schema.updates WHERE seq = 2')
    expect(error).toMatchObject({ code: 'LOG_CORRUPT', details: { sessionId: 'damaged', seq: 2 } })
  })
})

async function create(log: UpdateLog, sessionId: string): Promise<void> {
  await log.createSession({ id: sessionId, title: '', createdAt: Date.now() })
}

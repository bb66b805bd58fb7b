import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createSqliteStreamStore } from './sqlite-stream-store.ts'
import { describeStreamStoreContract } from './stream-store.contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'lifeline-streams-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})
let files = 0

describeStreamStoreContract('sqlite', async () =>
  createSqliteStreamStore({ path: join(dir, `store-${files++}.sqlite`) }),
)

describe('createSqliteStreamStore', () => {
  it('keeps streams across a reopen of the file', async () => {
    const path = join(dir, 'reopen.sqlite')
    const first = createSqliteStreamStore({ path })
    await first.change('s', () => ({
      meta: {
        path: 's',
        contentType: 'application/json',
        closed: false,
        createdAtMs: 1,
        touchedAtMs: 1,
        producers: {},
        messageCount: 1,
        byteCount: 2,
      },
      messages: [new TextEncoder().encode('{}')],
    }))
    await first.close()
    const second = createSqliteStreamStore({ path })
    expect((await second.get('s'))?.messageCount).toBe(1)
    expect(new TextDecoder().decode((await second.read('s', 0, 1024))[0]?.data)).toBe('{}')
    await second.close()
  })
})

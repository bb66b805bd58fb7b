/**
 * The docs examples that install or start whole programs, in `npm run test:slow`:
 * - the scale-out command of docs/operations.md § Scale-out, run as an operator would on two nodes: two
 *   `npm run serve` processes from the checkout on one PostgreSQL schema and one Redis prefix (the test's own), each
 *   on its own port; a message written through the first node reaches a client of the second;
 * - `pip install ./python` of docs/python.md, from the checkout into a temporary folder without a package index; the
 *   package it installed imports from there.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, onTestFinished } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { docExample } from '../testing/docs-examples.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { freePort } from '../testing/free-port.ts'
import { REPO_ROOT } from '../testing/list-source-files.ts'
import { finishedDocExample } from '../testing/finished-doc-example.ts'
import { runDocExample } from '../testing/run-doc-example.ts'
import { createTestRedisPrefix } from '../testing/test-redis.ts'
import { TEST_POSTGRES_URL } from '../testing/test-store.ts'

const test = testWithStore('postgres')

describe('the docs examples that install or start programs', () => {
  // Two `npm run serve` processes start (npm, tsx, PostgreSQL, Redis) on a loaded machine before the check.
  test('two nodes started as docs/operations.md says share a session', { timeout: 60_000 }, async ({ store }) => {
    const redis = createTestRedisPrefix()
    onTestFinished(() => redis.remove())
    const database = new URL(TEST_POSTGRES_URL)
    database.searchParams.set('schema', store.location)
    const placeholders = {
      "'postgres://lifeline@db:5432/lifeline?schema=lifeline'": `'${database.href}'`,
      'redis://redis:6379/0': redis.url,
      'LIFELINE_REDIS_PREFIX=lifeline': `LIFELINE_REDIS_PREFIX=${redis.prefix}`,
    }
    const code = docExample('docs/operations.md', 'scale-out-node')
    const ports = [await freePort(), await freePort()]
    const nodes = ports.map((port) => {
      const node = runDocExample({ code, lang: 'sh', port, sessionId: '', placeholders, cwd: REPO_ROOT })
      onTestFinished(() => node.stop())
      return node
    })
    for (const [index, port] of ports.entries()) {
      await expect
        .poll(() => `${nodes[index]?.output()}${nodes[index]?.errors()}`, { timeout: 40_000 })
        .toContain(`LISTENING http://127.0.0.1:${port} `)
    }
    expect(nodes.map((node) => node.output())).toEqual([
      expect.stringContaining('scale-out on Redis'),
      expect.stringContaining('scale-out on Redis'),
    ])
    const sessionId = `docs-scale-out-${ports[0]}`
    const [writer, reader] = ports.map((port) => {
      const client = createSessionClient({
        url: `ws://127.0.0.1:${port}/v1/ws`,
        sessionId,
        principalId: 'alice',
        WebSocket: NodeWebSocket,
      })
      onTestFinished(() => client.destroy())
      return client
    })
    await reader?.waitForSynced()
    writer?.sendMessage('through node A')
    await expect
      .poll(() => reader?.messages().map((message) => message.text), { timeout: 10_000 })
      .toEqual(['through node A'])
  })

  // pip builds and installs the package: several seconds, more on a loaded machine.
  test('pip installs the package of docs/python.md', { timeout: 60_000 }, async () => {
    const target = mkdtempSync(join(tmpdir(), 'lifeline-pip-'))
    onTestFinished(() => rmSync(target, { recursive: true, force: true }))
    const code = docExample('docs/python.md', 'pip-install')
    // Into a folder of the test's (PIP_TARGET), from the checkout, without a package index.
    const env = { PIP_TARGET: target, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' }
    const running = runDocExample({ code, lang: 'sh', port: 0, sessionId: '', env, cwd: REPO_ROOT })
    onTestFinished(() => running.stop())
    await finishedDocExample(running)
    const imported = execFileSync('python3', ['-c', 'import lifeline; print(lifeline.__file__)'], {
      env: { ...process.env, PYTHONPATH: target },
    }).toString()
    expect(imported.startsWith(target)).toBe(true)
  })
})

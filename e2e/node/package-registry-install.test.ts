/**
 * The published package installed exactly as a user installs it: `npm pack`, then `npm install` of the tarball and
 * the optional peers into a fresh project, so npm resolves the manifest's dependency ranges and builds the native
 * SQLite binding on this machine. Then every entry is imported from plain Node ESM and an agent and a viewer run
 * from the installed copy. Slow lane: the install builds better-sqlite3 from source when no prebuilt binary can be
 * downloaded, which takes minutes on a 2-core machine. e2e/node/package-install.test.ts checks the same tarball
 * quickly with linked dependencies, plus its types and browser bundles.
 */
import { execFile } from 'node:child_process'
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installPackedPackage, type PackedInstall } from '../testing/install-packed-package.ts'

const run = promisify(execFile)

let install: PackedInstall

// Packing builds with tsc, and npm may compile better-sqlite3: minutes, not the default hook timeout.
beforeAll(async () => {
  install = await installPackedPackage('registry')
}, 600_000)

afterAll(() => {
  install?.remove()
})

const node = (...args: string[]) => run(process.execPath, args, { cwd: install.dir, timeout: 60_000 })

describe('the packed package installed by npm', () => {
  it('is installed by npm with its own dependencies, none linked from the repository', async () => {
    for (const name of ['lifeline', 'better-sqlite3', '@hocuspocus/server', 'yjs', 'react', 'ai'])
      expect(lstatSync(join(install.dir, 'node_modules', name)).isSymbolicLink(), name).toBe(false)
    // `npm ls` exits non-zero on a missing, invalid or unmet peer dependency anywhere in the tree.
    const { stdout } = await run('npm', ['ls', '--all', '--json'], { cwd: install.dir, maxBuffer: 64 * 1024 * 1024 })
    expect(JSON.parse(stdout).problems).toBeUndefined()
  })

  it('imports every entry from plain Node ESM', async () => {
    const { stdout } = await node('import-every-entry.mjs')
    const exported = JSON.parse(stdout) as Record<string, string[]>
    expect(Object.keys(exported)).toEqual([
      'core',
      'browser',
      'agent',
      'server',
      'protocol',
      'react',
      'ai-sdk',
      'agent-browser',
    ])
    expect(exported.server).toContain('createSessionServer')
    expect(exported.react).toContain('useMessages')
    expect(exported['ai-sdk']).toContain('createLifelineChatTransport')
    expect(exported['agent-browser']).toContain('createOnDeviceAgent')
  })

  it('runs an agent and a viewer on SQLite from the installed copy', async () => {
    const { stdout } = await node('agent-and-viewer.mjs', 'sqlite')
    expect(JSON.parse(stdout)).toMatchObject({
      text: 'You said: hello',
      status: 'done',
      author: 'writer',
      store: 'sqlite',
    })
    expect(lstatSync(join(install.dir, 'sessions.sqlite')).size).toBeGreaterThan(0)
  })
})

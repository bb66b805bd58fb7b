/**
 * The published package, as a user gets it: `npm pack`, the tarball installed into a fresh project, then every entry
 * imported from plain Node ESM, a consumer file type-checked with `tsc --strict`, the browser entries bundled with
 * esbuild for the browser (no Node built-ins may be reached), and an agent and a viewer run from the installed copy.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installPackedPackage, type PackedInstall } from '../testing/install-packed-package.ts'

const run = promisify(execFile)

/** Entries meant for browsers: a bundle of each must not need Node. */
const BROWSER_ENTRIES = ['core', 'browser', 'react', 'ai-sdk', 'agent-browser']

let install: PackedInstall

// Packing builds the package with tsc: well over the default hook timeout on a busy 2-core machine.
beforeAll(async () => {
  install = await installPackedPackage()
}, 120_000)

afterAll(() => {
  install?.remove()
})

const node = (script: string) => run(process.execPath, [script], { cwd: install.dir, timeout: 30_000 })

describe('the packed package', () => {
  it('holds the compiled entries and no sources or tests', () => {
    expect(install.files).toContain('dist/client/core/index.js')
    expect(install.files).toContain('dist/client/core/index.d.ts')
    expect(install.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([])
    expect(install.files.filter((file) => /(\.test\.|\/testing\/)/.test(file))).toEqual([])
  })

  it('imports every entry from plain Node ESM', async () => {
    const { stdout } = await node('import-every-entry.mjs')
    const exported = JSON.parse(stdout) as Record<string, string[]>
    expect(exported.core).toContain('createSessionClient')
    expect(exported.browser).toContain('createBrowserSessionClient')
    expect(exported.agent).toContain('createAgentSession')
    expect(exported.server).toContain('createSessionServer')
    expect(exported.protocol).toContain('ERROR_CODES')
    expect(exported.react).toEqual(['useConnectionStatus', 'useMessages', 'usePresence', 'useSession', 'useSteer'])
    expect(exported['ai-sdk']).toContain('createLifelineChatTransport')
    expect(exported['agent-browser']).toContain('createOnDeviceAgent')
  })

  it('type-checks a consumer file with tsc --strict', async () => {
    const tsc = join(install.dir, 'node_modules', 'typescript', 'bin', 'tsc')
    // A failed run rejects with the compiler's report as `stdout`: compared below, so the errors show in the diff.
    const result: { stdout: string } = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: install.dir,
      timeout: 60_000,
    }).catch((error: { stdout: string }) => error)
    expect(result.stdout).toBe('')
    // tsc type-checks the installed package and its dependencies in a child process (given 60 s above).
  }, 60_000)

  for (const entry of BROWSER_ENTRIES) {
    it(`bundles lifeline/${entry} for the browser without Node built-ins`, async () => {
      const result = await build({
        stdin: { contents: `export * from 'lifeline/${entry}'`, resolveDir: install.dir, loader: 'js' },
        absWorkingDir: install.dir,
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        metafile: true,
        logLevel: 'silent',
      })
      const inputs = Object.keys(result.metafile.inputs)
      expect(inputs.some((input) => input.includes('node_modules/lifeline/dist/'))).toBe(true)
      expect(inputs.filter((input) => /^node:|node_modules\/(ws|pino|better-sqlite3|pg)\//.test(input))).toEqual([])
    })
  }

  it('runs an agent and a viewer, and serves the inspector, from the installed copy', async () => {
    const { stdout } = await node('agent-and-viewer.mjs')
    expect(JSON.parse(stdout)).toEqual({
      text: 'You said: hello',
      status: 'done',
      author: 'writer',
      inspector: 200,
      inspectorBundled: true,
      store: 'memory',
    })
  })
})

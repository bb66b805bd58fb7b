/**
 * Runs one docs example as a user would after copying it: a TypeScript block with tsx, a shell block with bash. The
 * example is written to a folder under the repository's `.tmp/` (so its imports of installed packages resolve), its
 * `lifeline/*` imports point at the sources the package's `exports` are built from, and the documented placeholders
 * name the test's server instead: `wss://example.com` and `localhost:8787` become `ws://` / `127.0.0.1` on the
 * server's port, every other `8787` that port, and the session id `s_abc` the test's session.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './list-source-files.ts'

/** Where and how to run an example. */
export interface DocExampleRun {
  /** The block's code, as the docs show it. */
  readonly code: string
  /** `ts` runs it with tsx; `sh` with bash. */
  readonly lang: 'ts' | 'sh'
  /** The port standing in for the documented 8787. */
  readonly port: number
  /** The session id standing in for the documented `s_abc`. */
  readonly sessionId: string
  /** Extra environment variables (an API base URL, a variable the example says to set). */
  readonly env?: Readonly<Record<string, string>>
  /** Other placeholders of the example and what stands in for them (`<user message id>` → an id). */
  readonly placeholders?: Readonly<Record<string, string>>
}

/** A running example. */
export interface RunningDocExample {
  /** Its working folder (inside the repository's `.tmp/`). */
  readonly dir: string
  /** What it printed on stdout so far. */
  output(): string
  /** What it printed on stderr so far. */
  errors(): string
  /** Resolves its exit code once it exits. */
  readonly exited: Promise<number | null>
  /** Ends it (its whole process group) if it still runs, and removes its folder. */
  stop(): Promise<void>
}

/** The source file each `lifeline/*` entry is built from, read from package.json `exports`. */
function entrySources(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    exports: Record<string, { import?: string }>
  }
  const sources = new Map<string, string>()
  for (const [entry, target] of Object.entries(manifest.exports)) {
    const built = target.import
    if (built === undefined) continue
    sources.set(`lifeline/${entry.slice(2)}`, join(REPO_ROOT, built.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')))
  }
  return sources
}

/** The example's code with the placeholders replaced and `lifeline/*` imports pointing at the sources. */
function prepareDocExample(
  code: string,
  port: number,
  sessionId: string,
  placeholders: Readonly<Record<string, string>> = {},
): string {
  const sources = entrySources()
  const replaced = Object.entries(placeholders).reduce((text, [from, to]) => text.split(from).join(to), code)
  return replaced
    .replace(/wss:\/\/example\.com/g, 'ws://127.0.0.1:8787')
    .replace(/localhost:8787/g, '127.0.0.1:8787')
    .replace(/\b8787\b/g, String(port))
    .replace(/\bs_abc\b/g, sessionId)
    .replace(/from '(lifeline\/[\w-]+)'/g, (match, entry: string) => {
      const source = sources.get(entry)
      return source === undefined ? match : `from '${source}'`
    })
}

/** Starts the example; call `stop()` when done with it. */
export function runDocExample(run: DocExampleRun): RunningDocExample {
  const root = join(REPO_ROOT, '.tmp')
  mkdirSync(root, { recursive: true })
  const dir = mkdtempSync(join(root, 'docs-example-'))
  const file = join(dir, run.lang === 'ts' ? 'example.ts' : 'example.sh')
  writeFileSync(file, prepareDocExample(run.code, run.port, run.sessionId, run.placeholders))
  const command: [string, string[]] =
    run.lang === 'ts' ? [process.execPath, ['--import', 'tsx', file]] : ['bash', ['-e', file]]
  const child: ChildProcess = spawn(command[0], command[1], {
    cwd: dir,
    env: { ...process.env, ...run.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let errors = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8')
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8')
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code))
  })
  return {
    dir,
    output: () => output,
    errors: () => errors,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(-child.pid, 'SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Runs one docs example as a user would after copying it: a TypeScript block with tsx, a JavaScript block with node, a
 * shell block with bash, a Python block with python3 (the SDK from `python/src`). A fragment that uses names it does not define (`client`,
 * `render`) runs verbatim between a prelude and an epilogue of the test's, in the same file, which define those
 * names and report what the fragment did. The example is written to a folder under the repository's `.tmp/` (so its
 * imports of installed packages resolve), its `lifeline/*` imports point at the sources the package's `exports` are
 * built from, and the documented placeholders name the test's server instead: `wss://example.com` and `localhost:8787` become `ws://` / `127.0.0.1` on the
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
  /**
   * `ts` runs it with tsx; `js` with node as an ES module; `sh` with bash; `python` with python3 and `PYTHONPATH` at
   * the SDK's sources.
   */
  readonly lang: DocExampleLang
  /** Command-line arguments, as the example's comment passes them (`node receiver.mjs <server url>`). */
  readonly args?: readonly string[]
  /** The port standing in for the documented 8787. */
  readonly port: number
  /** The session id standing in for the documented `s_abc`. */
  readonly sessionId: string
  /** Extra environment variables (an API base URL, a variable the example says to set). */
  readonly env?: Readonly<Record<string, string>>
  /** Other placeholders of the example and what stands in for them (`<user message id>` → an id). */
  readonly placeholders?: Readonly<Record<string, string>>
  /** Code of the test's placed before the block: defines the names a fragment uses. */
  readonly prelude?: string
  /** Code of the test's placed after the block: prints or checks what it did. */
  readonly epilogue?: string
  /** The working directory, when the example names paths of a checkout (`npm run serve`, `./python`). */
  readonly cwd?: string
}

/** The languages an example may be run in. */
export type DocExampleLang = 'ts' | 'js' | 'sh' | 'python'

const RUNNERS: Readonly<Record<DocExampleLang, { file: string; command: (file: string) => [string, string[]] }>> = {
  ts: { file: 'example.ts', command: (file) => [process.execPath, ['--import', 'tsx', file]] },
  js: { file: 'example.mjs', command: (file) => [process.execPath, [file]] },
  sh: { file: 'example.sh', command: (file) => ['bash', ['-e', file]] },
  python: { file: 'example.py', command: (file) => ['python3', ['-u', file]] },
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
export function prepareDocExample(
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
  const runner = RUNNERS[run.lang]
  const file = join(dir, runner.file)
  const code = `${run.prelude ?? ''}${run.code}${run.epilogue ?? ''}`
  writeFileSync(file, prepareDocExample(code, run.port, run.sessionId, run.placeholders))
  const [command, args] = runner.command(file)
  const child: ChildProcess = spawn(command, [...args, ...(run.args ?? [])], {
    cwd: run.cwd ?? dir,
    env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'python', 'src'), ...run.env },
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

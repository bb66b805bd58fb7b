/**
 * startSystemServer: runs one system's server in a child Node process (tsx, --expose-gc), so the bench's clients
 * do not share its event loop and its RSS can be read alone. The repository's TypeScript is compiled there as a build
 * would, without tsx's per-function names (load-without-names.ts), so memory figures are not inflated by them.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { replyReader } from '../../e2e/testing/reply-reader.ts'
import type { SystemName } from './bench-system.ts'

/** Messages from the bench to the server process. */
export type ServerRequest =
  | { readonly type: 'rss' }
  | { readonly type: 'snapshot'; readonly path: string }
  | { readonly type: 'cpu' }
  | { readonly type: 'profile' }
  | { readonly type: 'profile-stop'; readonly path: string }
  | { readonly type: 'stop' }
/** Messages from the server process. */
export type ServerReply =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'rss'; readonly bytes: number }
  | { readonly type: 'snapshot' }
  | { readonly type: 'cpu'; readonly micros: number }
  | { readonly type: 'profile' }
  | { readonly type: 'profile-stop' }

/** A server running in a child process. */
export interface SystemServer {
  readonly url: string
  /** Resident set size of the server process after a full GC, in bytes. */
  rss(): Promise<number>
  /** CPU time (user + system) the server process has used so far, in µs. */
  cpuMicros(): Promise<number>
  /** Starts a CPU profile of the server process; the returned function writes it to `path` (a `.cpuprofile`). */
  cpuProfile(): Promise<(path: string) => Promise<void>>
  /** Writes a heap snapshot of the server process after a full GC to a temporary file; resolves its path. */
  heapSnapshot(): Promise<string>
  /** Closes the server and waits for its process to exit. */
  stop(): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./system-server-process.ts', import.meta.url))
/** Compiles the repository's TypeScript without tsx's per-function names (load-without-names.ts). */
const WITHOUT_NAMES = fileURLToPath(new URL('./register-without-names.ts', import.meta.url))
const START_TIMEOUT_MS = 30_000
/** A snapshot of a heap of a few hundred MB takes tens of seconds on a loaded machine. */
const SNAPSHOT_TIMEOUT_MS = 300_000

/** Forks the server process of `system` and resolves once it listens. */
export async function startSystemServer(system: SystemName): Promise<SystemServer> {
  const child = fork(ENTRY, [system], {
    execArgv: ['--import', 'tsx', '--import', WITHOUT_NAMES, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const nextReply = replyReader<ServerReply>(child, 'server')
  const ready = await nextReply('ready', START_TIMEOUT_MS)
  const exited = once(child, 'exit')
  let snapshots = 0
  return {
    url: ready.url,
    async rss() {
      const reply = nextReply('rss', START_TIMEOUT_MS)
      child.send({ type: 'rss' } satisfies ServerRequest)
      return (await reply).bytes
    },
    async cpuMicros() {
      const reply = nextReply('cpu', START_TIMEOUT_MS)
      child.send({ type: 'cpu' } satisfies ServerRequest)
      return (await reply).micros
    },
    async cpuProfile() {
      const started = nextReply('profile', START_TIMEOUT_MS)
      child.send({ type: 'profile' } satisfies ServerRequest)
      await started
      return async (path) => {
        const stopped = nextReply('profile-stop', SNAPSHOT_TIMEOUT_MS)
        child.send({ type: 'profile-stop', path } satisfies ServerRequest)
        await stopped
      }
    },
    async heapSnapshot() {
      const path = join(tmpdir(), `lifeline-bench-${child.pid ?? 0}-${++snapshots}.heapsnapshot`)
      const reply = nextReply('snapshot', SNAPSHOT_TIMEOUT_MS)
      child.send({ type: 'snapshot', path } satisfies ServerRequest)
      await reply
      return path
    },
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' } satisfies ServerRequest)
      await exited
    },
  }
}

/**
 * startHostileServer: a session server in a child Node process (hostile-server-process.ts) on a fresh SQLite file,
 * for measuring what hostile input leaves behind in the server's memory.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { replyReader } from '../testing/reply-reader.ts'

/** Messages to the server process. */
export type HostileServerRequest = { readonly type: 'memory' } | { readonly type: 'stop' }
/** The server process's memory after full garbage collections, in bytes (process.memoryUsage). */
export interface ServerMemory {
  readonly rss: number
  readonly heapTotal: number
  readonly heapUsed: number
  readonly external: number
}
/** Messages from the server process. */
export type HostileServerReply =
  | { readonly type: 'ready'; readonly url: string; readonly websocketUrl: string }
  | ({ readonly type: 'memory' } & ServerMemory)

/** The running server. */
export interface HostileServer {
  readonly url: string
  readonly websocketUrl: string
  /** Collects garbage in the server process and reads its memory. */
  memory(): Promise<ServerMemory>
  /** Stops the server, waits for its process to exit and removes its store. */
  stop(): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./hostile-server-process.ts', import.meta.url))
/**
 * V8 flags that make "RSS after a full GC" mean memory the server holds. By default V8 grows its young generation
 * from 1 to 32 MB under any burst of allocation and shrinks it only after a while idle, and hands pages freed by a GC
 * back to the system on a background thread some time later; either would add tens of megabytes of scratch space to
 * a reading taken right after the battery (both readings are in docs/security.md § Limits). A fixed 1 MB semi-space and a
 * single-threaded GC remove both, and nothing the server keeps is hidden by them.
 */
const MEASURABLE_HEAP_FLAGS = ['--expose-gc', '--max-semi-space-size=1', '--single-threaded-gc']
const REPLY_TIMEOUT_MS = 30_000

/** Forks the server process and resolves once it listens. */
export async function startHostileServer(): Promise<HostileServer> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-hostile-'))
  const child = fork(ENTRY, [join(dir, 'sessions.sqlite')], {
    execArgv: ['--import', 'tsx', ...MEASURABLE_HEAP_FLAGS],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = once(child, 'exit')
  const nextReply = replyReader<HostileServerReply>(child, 'server')
  const ready = await nextReply('ready', REPLY_TIMEOUT_MS)
  return {
    url: ready.url,
    websocketUrl: ready.websocketUrl,
    async memory() {
      const answer = nextReply('memory', REPLY_TIMEOUT_MS)
      child.send({ type: 'memory' } satisfies HostileServerRequest)
      const { type: _type, ...memory } = await answer
      return memory
    },
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' } satisfies HostileServerRequest)
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

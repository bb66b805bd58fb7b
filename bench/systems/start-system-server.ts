/**
 * startSystemServer: runs one system's server in a child Node process (tsx, --expose-gc), so the bench's clients
 * do not share its event loop and its RSS can be read alone.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SystemName } from './bench-system.ts'

/** Messages from the bench to the server process. */
export type ServerRequest = { readonly type: 'rss' } | { readonly type: 'stop' }
/** Messages from the server process. */
export type ServerReply =
  | { readonly type: 'ready'; readonly url: string }
  | { readonly type: 'rss'; readonly bytes: number }

/** A server running in a child process. */
export interface SystemServer {
  readonly url: string
  /** Resident set size of the server process after a full GC, in bytes. */
  rss(): Promise<number>
  /** Closes the server and waits for its process to exit. */
  stop(): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./system-server-process.ts', import.meta.url))
const START_TIMEOUT_MS = 30_000

/** Forks the server process of `system` and resolves once it listens. */
export async function startSystemServer(system: SystemName): Promise<SystemServer> {
  const child = fork(ENTRY, [system], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const ready = await nextReply(child, 'ready', START_TIMEOUT_MS)
  const exited = once(child, 'exit')
  return {
    url: ready.url,
    async rss() {
      const reply = nextReply(child, 'rss', START_TIMEOUT_MS)
      child.send({ type: 'rss' } satisfies ServerRequest)
      return (await reply).bytes
    },
    async stop() {
      if (child.exitCode === null) child.send({ type: 'stop' } satisfies ServerRequest)
      await exited
    },
  }
}

function nextReply<T extends ServerReply['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<ServerReply, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanUp = (): void => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    const onMessage = (message: ServerReply): void => {
      if (message.type !== type) return
      cleanUp()
      resolve(message as Extract<ServerReply, { type: T }>)
    }
    const onExit = (code: number | null): void => {
      cleanUp()
      reject(new Error(`server process exited (${String(code)}) before '${type}'`))
    }
    const timer = setTimeout(() => {
      cleanUp()
      child.kill()
      reject(new SessionError('TIMEOUT', `server process gave no '${type}' within ${timeoutMs} ms`))
    }, timeoutMs)
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

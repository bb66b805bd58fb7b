/**
 * A session server in a child process (`node --import tsx server/main.ts`) that a harness can kill -9 and
 * start again on the same port and store.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SERVER_MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url))

/** A running server process. */
export interface ServerProcess {
  readonly url: string
  readonly port: number
  /** Process id (for /proc readings in benches). */
  readonly pid: number
  /** Sends SIGKILL and resolves once the process is gone. */
  kill(): Promise<void>
  /** What the process printed (stdout and stderr) and, once it has ended on its own, how it ended. */
  report(): string
}

/**
 * Starts the server on `port` (0 = any) with LIFELINE_STORE=`store` and `env` (e.g. LIFELINE_REDIS); resolves once
 * it prints LISTENING.
 * @throws Error when it exits or stays silent for `timeoutMs`
 */
export function startServerProcess(options: {
  store: string
  port: number
  timeoutMs?: number
  env?: Readonly<Record<string, string>>
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], {
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      LIFELINE_STORE: options.store,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  return new Promise<ServerProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start in time: ${output}`))
    }, options.timeoutMs ?? 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${String(code)} before listening: ${output}`))
    })
    let listening = false
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = listening ? null : /LISTENING (http:\/\/[^\s]+)/.exec(output)
      if (match?.[1] === undefined) return
      listening = true
      clearTimeout(timer)
      child.removeAllListeners('exit')
      const url = match[1]
      let ended: string | undefined
      child.once('exit', (code, signal) => {
        ended = `exited with ${signal ?? String(code)}`
      })
      resolve({
        url,
        port: Number(new URL(url).port),
        pid: child.pid ?? 0,
        kill: () => killProcess(child),
        report: () => `${ended ?? 'running'}; printed: ${output.slice(-2_000)}`,
      })
    })
  })
}

function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise<void>((resolve) => {
    // The exit event alone is not enough: in the 3-node failover test a killed node was reaped without one.
    const gone = setInterval(() => {
      if (!isAlive(child.pid)) done()
    }, 50)
    const done = (): void => {
      clearInterval(gone)
      resolve()
    }
    child.once('exit', done)
    child.kill('SIGKILL')
  })
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false // reason: ESRCH, the process is gone
  }
}

/**
 * Starts device-process.ts in a child process and resolves once its client synced. The test owns the returned
 * process: only its `pid` may be signalled, and `kill` ends it (also when stopped).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const DEVICE_MAIN = fileURLToPath(new URL('./device-process.ts', import.meta.url))

/** A device running in a child process. */
export interface DeviceProcess {
  /** The pid spawn returned: the only process the test may signal. */
  readonly pid: number
  /** Freezes the process (SIGSTOP): its timers stop, its socket stays open. */
  freeze(): void
  /** Resumes a frozen process (SIGCONT). */
  resume(): void
  /** Ends the process (SIGKILL, after SIGCONT) and resolves once it exited. */
  kill(): Promise<void>
}

/**
 * Spawns a device of `principalId` in `sessionId` that renews its presence every `heartbeatMs`.
 * @throws Error when it exits or prints nothing for `timeoutMs` (default 20000) before it synced
 */
export async function spawnDeviceProcess(options: {
  websocketUrl: string
  sessionId: string
  principalId: string
  device: string
  heartbeatMs: number
  timeoutMs?: number
}): Promise<DeviceProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      DEVICE_MAIN,
      options.websocketUrl,
      options.sessionId,
      options.principalId,
      options.device,
      String(options.heartbeatMs),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const pid = child.pid
  if (pid === undefined) throw new Error('device process did not start')
  // reason: a spawn error also ends the process; kill only needs to know it is gone
  const exited = once(child, 'exit').catch(() => undefined)
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    process.kill(pid, 'SIGCONT')
    process.kill(pid, 'SIGKILL')
    await exited
  }
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`device process did not sync in time: ${output}`))
      }, options.timeoutMs ?? 20_000)
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`device process exited with ${String(code)}: ${output}`))
      })
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (!output.includes('SYNCED')) return
        clearTimeout(timer)
        resolve()
      })
    })
  } catch (error) {
    await kill()
    throw error
  }
  return {
    pid,
    freeze: () => {
      process.kill(pid, 'SIGSTOP')
    },
    resume: () => {
      process.kill(pid, 'SIGCONT')
    },
    kill,
  }
}

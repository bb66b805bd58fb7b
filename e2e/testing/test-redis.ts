/**
 * Redis for scale-out tests: the shared server at 127.0.0.1:6379 (LIFELINE_TEST_REDIS overrides), used under a
 * key prefix unique to the test, whose keys are deleted afterwards; or a private redis-server on a free port
 * that a test may stop and restart (never the shared one: other test runs use it).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { createRandomId } from '../../shared/session/session-id.ts'
import { freePort } from './free-port.ts'

/** Shared Redis of the tests. */
const TEST_REDIS_URL = process.env.LIFELINE_TEST_REDIS ?? 'redis://127.0.0.1:6379/0'

/** One test's namespace on a Redis server. */
export interface TestRedisPrefix {
  readonly url: string
  readonly prefix: string
  /** Deletes every key under the prefix. */
  remove(): Promise<void>
}

/** A fresh prefix on `url` (default the shared test Redis). */
export function createTestRedisPrefix(url: string = TEST_REDIS_URL): TestRedisPrefix {
  const prefix = `lifeline-test-${createRandomId(10)}`
  return {
    url,
    prefix,
    async remove() {
      const redis = new Redis(url)
      try {
        const keys = await redis.keys(`${prefix}*`)
        if (keys.length > 0) await redis.del(...keys)
      } finally {
        redis.disconnect()
      }
    },
  }
}

/** A private redis-server process. */
export interface PrivateRedis {
  readonly port: number
  readonly url: string
  /** Stops it (SIGKILL) and resolves once it is gone. */
  stop(): Promise<void>
  /** Starts it again on the same port (empty: no persistence). */
  restart(): Promise<void>
}

/** Starts `redis-server` without persistence on a free port; resolves once it answers PING. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child = await spawnRedis(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    stop: async () => {
      await killChild(child)
    },
    restart: async () => {
      await killChild(child)
      child = await spawnRedis(port)
    },
  }
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server did not start: ${output}`))
    }, 15_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${String(code)}: ${output}`))
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (!output.includes('Ready to accept connections')) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve()
    })
  })
  return child
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

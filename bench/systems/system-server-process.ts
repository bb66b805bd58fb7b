/**
 * Child-process entry of a system's server (forked by startSystemServer): `system-server-process.ts <system>`.
 * Reports `{ type: 'ready', url }`, answers `{ type: 'rss' }` with its resident set size after a full garbage
 * collection, `{ type: 'cpu' }` with the CPU time it used so far, `{ type: 'profile' }` and
 * `{ type: 'profile-stop', path }` by starting a CPU profile and writing it there, and `{ type: 'snapshot', path }` by writing a heap snapshot there after one, and closes the server and exits on `{ type: 'stop' }` or when the bench process goes away.
 */
import { writeHeapSnapshot } from 'node:v8'
import { startCpuProfile } from '../cpu-profile.ts'
import { SYSTEM_NAMES, type SystemName } from './bench-system.ts'
import type { ServerReply, ServerRequest } from './start-system-server.ts'
import { serveSystem } from './serve-system.ts'

const name = process.argv[2]
if (!SYSTEM_NAMES.includes(name as SystemName)) throw new Error(`unknown system ${String(name)}`)
const served = await serveSystem(name as SystemName)

/** Full collections until nothing more is freed by finalizers and weak references (three passes). */
function collectAllGarbage(): void {
  for (let pass = 0; pass < 3; pass++) globalThis.gc?.()
}

function reply(message: ServerReply): void {
  process.send?.(message)
}

let stopProfile: ((path: string) => Promise<void>) | undefined
let stopping = false
function stop(): void {
  if (stopping) return
  stopping = true
  served.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('[bench server]', error)
      process.exit(1)
    },
  )
}

process.on('message', (request: ServerRequest) => {
  if (request.type === 'rss') {
    collectAllGarbage()
    reply({ type: 'rss', bytes: process.memoryUsage().rss })
    return
  }
  if (request.type === 'cpu') {
    const { user, system } = process.cpuUsage()
    reply({ type: 'cpu', micros: user + system })
    return
  }
  if (request.type === 'profile') {
    void startCpuProfile().then((stop) => {
      stopProfile = stop
      reply({ type: 'profile' })
    })
    return
  }
  if (request.type === 'profile-stop') {
    void stopProfile?.(request.path).then(() => reply({ type: 'profile-stop' }))
    stopProfile = undefined
    return
  }
  if (request.type === 'snapshot') {
    collectAllGarbage()
    writeHeapSnapshot(request.path)
    reply({ type: 'snapshot' })
    return
  }
  stop()
})
process.on('disconnect', stop)
reply({ type: 'ready', url: served.url })

/**
 * Child-process entry of a system's server (forked by startSystemServer): `system-server-process.ts <system>`.
 * Reports `{ type: 'ready', url }`, answers `{ type: 'rss' }` with its resident set size after a full garbage
 * collection, and closes the server and exits on `{ type: 'stop' }` or when the bench process goes away.
 */
import { SYSTEM_NAMES, type SystemName } from './bench-system.ts'
import type { ServerReply, ServerRequest } from './start-system-server.ts'
import { serveSystem } from './serve-system.ts'

const name = process.argv[2]
if (!SYSTEM_NAMES.includes(name as SystemName)) throw new Error(`unknown system ${String(name)}`)
const served = await serveSystem(name as SystemName)

function reply(message: ServerReply): void {
  process.send?.(message)
}

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
    for (let pass = 0; pass < 3; pass++) globalThis.gc?.()
    reply({ type: 'rss', bytes: process.memoryUsage().rss })
    return
  }
  stop()
})
process.on('disconnect', stop)
reply({ type: 'ready', url: served.url })

/**
 * Child-process entry of the hostile-input memory check (start-hostile-server.ts): a session server with auth on
 * (TEST_AUTH_SECRET) and default limits over SQLite at `argv[2]`, alone in its process so that its memory can be read
 * without the clients'. Reports `{ type: 'ready', url, websocketUrl }`, answers `{ type: 'memory' }` with its memory
 * after full garbage collections, and closes the server and exits on `{ type: 'stop' }` or when the parent goes away.
 */
import { createSessionServer } from '../../server/session-server.ts'
import { TEST_AUTH_SECRET } from '../testing/test-tokens.ts'
import type { HostileServerReply, HostileServerRequest } from './start-hostile-server.ts'

const path = process.argv[2]
if (path === undefined) throw new Error('usage: hostile-server-process.ts <sqlite path>')
// Hocuspocus prints every refused frame; the battery makes thousands.
console.error = () => undefined
const server = await createSessionServer({ port: 0, dataPath: path, auth: { secret: TEST_AUTH_SECRET } })

const reply = (message: HostileServerReply): void => {
  process.send?.(message)
}
let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('message', (request: HostileServerRequest) => {
  if (request.type === 'stop') {
    stop()
    return
  }
  for (let pass = 0; pass < 3; pass++) globalThis.gc?.()
  const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
  reply({ type: 'memory', rss, heapTotal, heapUsed, external })
})
process.on('disconnect', stop)
reply({ type: 'ready', url: server.url, websocketUrl: server.websocketUrl })

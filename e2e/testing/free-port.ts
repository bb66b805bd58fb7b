/**
 * A free TCP port on 127.0.0.1, for processes that cannot report the port they picked (nginx, squid,
 * redis-server): bind port 0, read it, release it just before the process starts.
 */
import { createServer } from 'node:net'

/** Resolves a port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0)
      })
    })
  })
}

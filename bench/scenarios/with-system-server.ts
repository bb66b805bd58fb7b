/**
 * withSystemServer: runs `body` against a fresh server of `system` in a child process and stops it afterwards.
 */
import type { SystemName } from '../systems/bench-system.ts'
import { startSystemServer, type SystemServer } from '../systems/start-system-server.ts'

/** Starts the server, runs `body`, stops the server (also when `body` throws). */
export async function withSystemServer<T>(system: SystemName, body: (server: SystemServer) => Promise<T>): Promise<T> {
  const server = await startSystemServer(system)
  try {
    return await body(server)
  } finally {
    await server.stop()
  }
}

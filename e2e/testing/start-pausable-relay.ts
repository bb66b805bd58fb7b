/**
 * startPausableRelay: a TCP relay on 127.0.0.1 (port 0) in front of a server that can go silent without closing
 * anything — the network a person has in a lift or behind a stalled NAT. While paused it accepts connections and
 * keeps every byte it receives, in both directions, but forwards none; `resume` forwards what it kept, in order, and
 * everything after. No socket is closed or reset by a pause, so neither end sees an error or a close event.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net'

/** A running relay. */
export interface PausableRelay {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Stops forwarding (and keeps what arrives) until `resume`. */
  pause(): void
  /** Forwards what was kept during the pause, then everything as it comes. */
  resume(): void
  /** Destroys every relayed connection and closes the listener. */
  close(): Promise<void>
}

/** Starts a relay to 127.0.0.1:`upstreamPort`; resolves once it listens. */
export async function startPausableRelay(upstreamPort: number): Promise<PausableRelay> {
  let paused = false
  const sockets = new Set<Socket>()
  /** Flushes of every direction of every connection, run on resume. */
  const flushes = new Set<() => void>()

  /** Forwards `from` to `to`, keeping bytes while paused. */
  const forward = (from: Socket, to: Socket): void => {
    const kept: Buffer[] = []
    const flush = (): void => {
      for (const chunk of kept.splice(0)) to.write(chunk)
    }
    flushes.add(flush)
    from.on('data', (chunk: Buffer) => {
      if (paused) kept.push(chunk)
      else to.write(chunk)
    })
    from.on('end', () => {
      if (paused) {
        const endLater = (): void => {
          flushes.delete(endLater)
          flush()
          to.end()
        }
        flushes.add(endLater)
      } else to.end()
    })
    from.on('close', () => {
      flushes.delete(flush)
    })
  }

  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {
        // reason: one end failing ends the pair below; the error is the peer's business
        client.destroy()
        upstream.destroy()
      })
      socket.on('close', () => {
        sockets.delete(socket)
      })
    }
    forward(client, upstream)
    forward(upstream, client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    pause() {
      paused = true
    },
    resume() {
      paused = false
      for (const flush of [...flushes]) flush()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve()
        })
      })
    },
  }
}

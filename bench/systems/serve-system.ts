/**
 * serveSystem: starts one compared system's server on 127.0.0.1 (port 0) in this process. Stock Hocuspocus runs
 * with its default configuration and no persistence extension; Durable Streams is the in-memory reference
 * server with its default options (`file` variant: file-backed, fdatasync per append); Lifeline runs over SQLite
 * (default durability) in a temporary folder, with a no-op message policy for its `lifeline-policy` variants.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DurableStreamTestServer } from '@durable-streams/server'
import { Server } from '@hocuspocus/server'
import { createSessionServer, type SessionServerOptions } from '../../server/session-server.ts'
import type { PolicyDecision } from '../../shared/policy/message-policy.ts'
import type { SystemName } from './bench-system.ts'
import { serveRawRelay } from './serve-raw-relay.ts'

/** A running server. */
export interface ServedSystem {
  /** What the system's driver connects to. */
  readonly url: string
  close(): Promise<void>
}

/** Starts `system`'s server; `fileBacked` selects Durable Streams' file store (other systems ignore it). */
export async function serveSystem(system: SystemName, fileBacked = false): Promise<ServedSystem> {
  switch (system) {
    case 'raw':
      return await serveRawRelay()
    case 'hocuspocus':
      return await serveHocuspocus()
    case 'durable-streams':
      return await serveDurableStreams(fileBacked)
    case 'lifeline':
    case 'lifeline-window':
      return await serveLifeline()
    case 'lifeline-policy':
      return await serveLifeline({ policy: allowEverything, policyHoldBackChars: 0 })
    case 'lifeline-policy-hold':
      return await serveLifeline({ policy: allowEverything })
  }
}

async function serveHocuspocus(): Promise<ServedSystem> {
  const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false })
  await server.listen()
  return { url: server.webSocketURL, close: () => server.destroy() }
}

async function serveDurableStreams(fileBacked: boolean): Promise<ServedSystem> {
  const dir = fileBacked ? mkdtempSync(join(tmpdir(), 'lifeline-bench-ds-')) : undefined
  const server = new DurableStreamTestServer({
    port: 0,
    host: '127.0.0.1',
    ...(dir === undefined ? {} : { dataDir: dir }),
  })
  const url = await server.start()
  return {
    url,
    async close() {
      await server.stop()
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The no-op message policy: an async function that allows every text. */
async function allowEverything(): Promise<PolicyDecision> {
  return { action: 'allow' }
}

async function serveLifeline(options: Partial<SessionServerOptions> = {}): Promise<ServedSystem> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-'))
  const server = await createSessionServer({
    ...options,
    port: 0,
    dataPath: join(dir, 'bench.sqlite'),
    onError: (error) => {
      console.error('[lifeline]', error)
    },
  })
  return {
    url: server.websocketUrl,
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * startCluster: N Lifeline node processes (`server/main.ts`) on 127.0.0.1 sharing a fresh PostgreSQL schema and,
 * when `redisUrl` is given, one Redis key prefix — the scale-out deployment of docs/operations.md § Scale-out.
 */
import pg from 'pg'
import { startServerProcess, type ServerProcess } from '../e2e/chaos/server-process.ts'
import { createRandomId } from '../shared/session/session-id.ts'

/** A running cluster. */
export interface Cluster {
  readonly nodes: readonly ServerProcess[]
  /** Kills the nodes, drops the schema. */
  stop(): Promise<void>
}

/** Starts `nodes` node processes on PostgreSQL at `postgresUrl`, scaled out over `redisUrl` when given. */
export async function startCluster(options: {
  nodes: number
  postgresUrl: string
  redisUrl?: string
}): Promise<Cluster> {
  const schema = `lifeline_scale_${createRandomId(10)}`
  const env: Record<string, string> =
    options.redisUrl === undefined ? {} : { LIFELINE_REDIS: options.redisUrl, LIFELINE_REDIS_PREFIX: schema }
  const nodes: ServerProcess[] = []
  const stop = async (): Promise<void> => {
    for (const node of nodes) await node.kill()
    const client = new pg.Client({ connectionString: options.postgresUrl })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await client.end()
  }
  try {
    // One at a time: the first creates the schema (migrations serialise on an advisory lock anyway).
    for (let index = 0; index < options.nodes; index++) {
      nodes.push(
        await startServerProcess({ store: `${options.postgresUrl}?schema=${schema}`, port: 0, env, timeoutMs: 60_000 }),
      )
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { nodes, stop }
}

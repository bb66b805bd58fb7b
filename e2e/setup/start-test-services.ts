/**
 * Vitest global setup: gives the tests their own PostgreSQL and Redis, so they never depend on services someone
 * started by hand. Unless LIFELINE_TEST_POSTGRES / LIFELINE_TEST_REDIS name servers to use instead, it creates a
 * PostgreSQL cluster (Debian's initdb and pg_ctl, run as the `postgres` user when the tests run as root) and starts a
 * redis-server without persistence, each on a free port on 127.0.0.1 in a temporary folder, exports their URLs to the
 * test workers through those two variables, and stops and removes both when the run ends.
 */
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../testing/free-port.ts'
import { startPrivateRedis } from '../testing/test-redis.ts'

/** Starts what is missing; resolves the teardown Vitest runs after the last test. */
export default async function startTestServices(): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = []
  if (process.env.LIFELINE_TEST_POSTGRES === undefined) {
    const postgres = await startPrivatePostgres()
    process.env.LIFELINE_TEST_POSTGRES = postgres.url
    stops.push(postgres.stop)
  }
  if (process.env.LIFELINE_TEST_REDIS === undefined) {
    const redis = await startPrivateRedis()
    process.env.LIFELINE_TEST_REDIS = redis.url
    stops.push(redis.stop)
  }
  return async () => {
    for (const stop of stops.reverse()) await stop()
  }
}

/** A PostgreSQL cluster of this test run. */
interface PrivatePostgres {
  /** Connection string of its `test` database. */
  readonly url: string
  stop(): Promise<void>
}

async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries()
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-test-postgres-'))
  const data = join(dir, 'data')
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user Debian's package creates.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()),
    )
    chownSync(dir, uid ?? 0, gid ?? 0)
  }
  const run = (tool: string, args: readonly string[]): void => {
    const command = join(bin, tool)
    execFileSync(asRoot ? 'runuser' : command, asRoot ? ['-u', 'postgres', '--', command, ...args] : [...args], {
      stdio: 'pipe',
      cwd: dir,
    })
  }
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'])
    const port = await freePort()
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'postgres.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      'start',
    ])
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'test'])
    return {
      url: `postgres://postgres@127.0.0.1:${port}/test`,
      async stop() {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
        rmSync(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    if (existsSync(join(data, 'postmaster.pid'))) run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`could not start the tests' PostgreSQL in ${dir}: ${describeFailure(error)}`, { cause: error })
  }
}

/** Folder of the newest installed PostgreSQL's programs (Debian: /usr/lib/postgresql/<major>/bin). */
function postgresBinaries(): string {
  const root = '/usr/lib/postgresql'
  const majors = existsSync(root)
    ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
    : []
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined)
    throw new Error(
      "PostgreSQL's programs are missing: install Debian's postgresql package (apt-get install -y postgresql)",
    )
  return join(root, newest, 'bin')
}

function describeFailure(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string } | null)?.stderr
  return stderr === undefined || stderr.length === 0 ? String(error) : stderr.toString().trim()
}

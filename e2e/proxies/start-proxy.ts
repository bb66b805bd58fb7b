/**
 * Starts a real proxy from Debian (nginx or squid) in front of a Lifeline server, configured from the templates
 * beside this file, and stops it by PID. The proxy's port is found by binding port 0 and releasing it just before
 * the proxy starts (the proxies cannot report a port they picked).
 */
import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../testing/free-port.ts'

/** Proxy behaviours under test; `cluster` balances several nodes (nginx-cluster.conf.template). */
export type ProxyScenario =
  | 'no-upgrade'
  | 'gzip-sse'
  | 'idle-cut'
  | 'websocket-ok'
  | 'squid-lifetime'
  | 'squid-forward'
  | 'cluster'

const NGINX_BINARY = '/usr/sbin/nginx'
const SQUID_BINARY = '/usr/sbin/squid'

const SQUID_TEMPLATES = {
  'squid-lifetime': './squid.conf.template',
  'squid-forward': './squid-forward.conf.template',
} as const

/** A running proxy. */
export interface RunningProxy {
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  stop(): Promise<void>
}

const NGINX_DIRECTIVES: Record<
  Exclude<ProxyScenario, keyof typeof SQUID_TEMPLATES | 'cluster'>,
  { gzip: string; upgrade: string; buffering: string; timeouts: string }
> = {
  'no-upgrade': {
    gzip: '',
    upgrade: 'proxy_set_header Connection "";',
    buffering: 'proxy_buffering off;',
    timeouts: '',
  },
  'gzip-sse': {
    gzip: 'gzip on; gzip_types text/event-stream; gzip_min_length 0; gzip_proxied any; gzip_buffers 16 64k;',
    upgrade: 'proxy_set_header Connection "";',
    buffering: 'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;',
    timeouts: '',
  },
  'idle-cut': {
    gzip: '',
    upgrade: 'proxy_set_header Connection "";',
    buffering: 'proxy_buffering off;',
    timeouts: 'proxy_read_timeout 3s; proxy_send_timeout 3s;',
  },
  'websocket-ok': {
    gzip: '',
    upgrade: 'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";',
    buffering: 'proxy_buffering off;',
    timeouts: '',
  },
}

/**
 * Starts `scenario` in front of `upstreamPort` (several ports for `cluster`) on `port`, or a free one; resolves
 * once it accepts connections.
 */
export async function startProxy(
  scenario: ProxyScenario,
  upstreamPort: number | readonly number[],
  port?: number,
): Promise<RunningProxy> {
  const squid = scenario === 'squid-lifetime' || scenario === 'squid-forward'
  const binary = squid ? SQUID_BINARY : NGINX_BINARY
  if (!existsSync(binary)) {
    throw new Error(
      `${binary} is missing: install Debian's ${squid ? 'squid' : 'nginx-light'} package (apt-get install -y ${squid ? 'squid' : 'nginx-light'})`,
    )
  }
  const dir = mkdtempSync(join(tmpdir(), `lifeline-proxy-${scenario}-`))
  chmodSync(dir, 0o777) // squid drops root privileges and must write its logs here
  port ??= await freePort()
  const cluster = scenario === 'cluster'
  const templateFile = squid
    ? SQUID_TEMPLATES[scenario]
    : cluster
      ? './nginx-cluster.conf.template'
      : './nginx.conf.template'
  const template = readFileSync(fileURLToPath(new URL(templateFile, import.meta.url)), 'utf8')
  const listenPort = port
  const upstreams = typeof upstreamPort === 'number' ? [upstreamPort] : upstreamPort
  const values: Record<string, string> = {
    dir,
    port: String(listenPort),
    upstream: String(upstreams[0]),
    servers: upstreams.map((upstream) => `server 127.0.0.1:${upstream} max_fails=1 fail_timeout=30s;`).join(' '),
    ...(squid || cluster ? {} : NGINX_DIRECTIVES[scenario]),
  }
  const config = template.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => values[name] ?? '')
  const configPath = join(dir, squid ? 'squid.conf' : 'nginx.conf')
  writeFileSync(configPath, config)
  // Own process group: nginx's workers (and squid's helpers) must die with it, or they keep the port.
  const args = squid ? ['-N', '-f', configPath] : ['-c', configPath, '-p', dir]
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  // Only a group this spawn created is signalled: without a pid (the spawn failed) there is nothing to stop.
  const groupId = child.pid
  const killGroup = (): void => {
    if (groupId === undefined || groupId <= 0) return
    try {
      process.kill(-groupId, 'SIGKILL')
    } catch {
      /* reason: the group is already gone */
    }
  }
  let stderr = ''
  let spawnError: Error | undefined
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', (error) => {
      spawnError = error
      resolve()
    })
  })
  try {
    await waitForPort(listenPort, 15_000, () => {
      if (spawnError !== undefined) return `${scenario} proxy did not start: ${spawnError.message}`
      return child.exitCode !== null ? `${scenario} proxy exited: ${stderr}` : undefined
    })
  } catch (error) {
    killGroup()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    async stop() {
      killGroup()
      await exited
      await waitForPortClosed(listenPort, 10_000)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function waitForPort(port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const problem = failed()
    if (problem !== undefined) throw new Error(problem)
    if (await canConnect(port)) return
    if (Date.now() > deadline) throw new Error(`proxy did not listen on ${port} within ${timeoutMs} ms`)
    await new Promise<void>((resolve) => {
      setTimeout(resolve, 50)
    }) // reason: polling a port that has no readiness event
  }
}

async function waitForPortClosed(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (await canConnect(port)) {
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections after the proxy stopped`)
    await new Promise<void>((resolve) => {
      setTimeout(resolve, 50)
    }) // reason: polling a port that has no close event
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => {
      resolve(false)
    })
  })
}

/**
 * The demo page's app shell as the server builds and serves it: one build name per content, every file naming its
 * build, relative URLs only, and no file of another build ever answered in its place.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { APP_BUILD_HEADER } from '../../demo/app/app-shell-facts.ts'
import { buildDemoApp } from '../../demo/build-demo-app.ts'
import { serveDemoAppBuild } from '../../demo/serve-demo-app.ts'

/** Serves `handler` on 127.0.0.1 port 0 while `run` runs. */
async function withServer(
  handler: ReturnType<typeof serveDemoAppBuild>,
  run: (base: string) => Promise<void>,
): Promise<void> {
  const server = createServer((request, response) => {
    void handler(request, response, new URL(request.url ?? '/', 'http://localhost')).then((handled) => {
      if (handled) return
      response.writeHead(404)
      response.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe('demo app shell', () => {
  it('names each build by its content and marks every file with it', async () => {
    const [first, again, other] = await Promise.all([
      buildDemoApp({ variant: 'a' }),
      buildDemoApp({ variant: 'a' }),
      buildDemoApp({ variant: 'b' }),
    ])
    expect(again.build).toBe(first.build)
    expect(other.build).not.toBe(first.build)
    const text = (path: string): string => String(first.files.get(path)?.body ?? '')
    expect(text('/')).toContain(`<meta name="lifeline-app-build" content="${first.build}">`)
    expect(text('/')).toContain(`src="app.js?build=${first.build}"`)
    expect(text('/')).toContain(`href="app.css?build=${first.build}"`)
    expect(text('/')).not.toMatch(/(src|href)="\//)
    expect(text('/app.js')).toContain(first.build)
    expect(text('/app.js')).not.toContain('__LIFELINE_APP_BUILD__')
    expect(text('/app.css')).toContain(`--app-build: "${first.build}"`)
    expect(text('/sw.js')).toContain(first.build)
    expect(JSON.parse(text('/manifest.webmanifest'))).toMatchObject({ start_url: './', scope: './' })
    const png = first.files.get('/icon-192.png')?.body as Uint8Array
    expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG')
    // Four builds of the demo page with esbuild: past the 15 s default on a shared 2-core machine.
  }, 30_000)

  it('answers a pinned asset of another build 404, never with its own file', async () => {
    const app = await buildDemoApp()
    await withServer(serveDemoAppBuild(app), async (base) => {
      const own = await fetch(`${base}/app.js?build=${app.build}`)
      expect(own.status).toBe(200)
      expect(own.headers.get(APP_BUILD_HEADER)).toBe(app.build)
      const foreign = await fetch(`${base}/app.js?build=0000000000000000`)
      expect(foreign.status).toBe(404)
      expect(foreign.headers.get(APP_BUILD_HEADER)).toBeNull()
      const page = await fetch(`${base}/?session=anything`)
      expect(page.headers.get(APP_BUILD_HEADER)).toBe(app.build)
      expect((await fetch(`${base}/manifest.webmanifest`)).headers.get('content-type')).toBe(
        'application/manifest+json',
      )
    })
    // A build of the demo page with esbuild before serving it: past the 15 s default on a shared 2-core machine.
  }, 30_000)
})

/**
 * Serves the demo chat page: bundles demo/app/main.ts for the browser with esbuild once at start-up and
 * answers `/`, `/app.js`, `/app.css` and the icon (`/favicon.svg`, also at `/favicon.ico`, where browsers look
 * without a link). Plugged into the server through its `handleRequest` option.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const APP_DIR = fileURLToPath(new URL('./app/', import.meta.url))

/** Builds the page and returns a request handler for the server's `handleRequest` option. */
export async function createDemoAppHandler(): Promise<
  (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>
> {
  const bundle = await build({
    entryPoints: [`${APP_DIR}main.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
  })
  const files = new Map<string, { type: string; body: string | Uint8Array }>([
    ['/', { type: 'text/html; charset=utf-8', body: await readFile(`${APP_DIR}index.html`, 'utf8') }],
    ['/app.css', { type: 'text/css; charset=utf-8', body: await readFile(`${APP_DIR}app.css`, 'utf8') }],
    ['/app.js', { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0]?.contents ?? '' }],
  ])
  const icon = { type: 'image/svg+xml', body: await readFile(`${APP_DIR}favicon.svg`, 'utf8') }
  files.set('/favicon.svg', icon)
  files.set('/favicon.ico', icon)
  return async (request, response, url) => {
    const file = request.method === 'GET' ? files.get(url.pathname) : undefined
    if (file === undefined) return false
    response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' })
    response.end(file.body)
    return true
  }
}

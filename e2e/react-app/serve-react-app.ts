/**
 * Serves the React test app (e2e/react-app/main.ts) from a session server's `handleRequest`: the app is bundled for
 * the browser with esbuild, with the real `react`, `react-dom`, `ai` and `@ai-sdk/react`, once per call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url))

const PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lifeline React app</title></head>' +
  '<body><div id="root"></div><script type="module" src="/react-app.js"></script></body></html>'

/** Builds the app and returns a request handler answering `/` and `/react-app.js`. */
export async function createReactAppHandler(): Promise<
  (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>
> {
  const bundle = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  })
  const script = bundle.outputFiles[0]?.contents ?? new Uint8Array()
  return async (request, response, url) => {
    if (request.method !== 'GET') return false
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(PAGE)
      return true
    }
    if (url.pathname === '/react-app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
      response.end(script)
      return true
    }
    return false
  }
}

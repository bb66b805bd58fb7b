/**
 * Serves the operators' inspector page (client/inspector/): `GET /v1/inspect` answers its HTML and
 * `GET /v1/inspect/inspector.js` its script, bundled for the browser with esbuild on first request and kept for
 * the life of the process (every server in it shares one bundle). The page itself holds no data: it reads
 * sessions through the public client with the observer token the operator enters.
 */
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { bundleForBrowser } from '../http/bundle-for-browser.ts'

/** Path of the page's script. */
const INSPECTOR_SCRIPT_PATH = `${ROUTES.INSPECT}/inspector.js`

const PAGE_DIR = fileURLToPath(new URL('../../client/inspector/', import.meta.url))
/** The page's script beside its HTML: the TypeScript source in the repository, the compiled file in the package. */
const APP_ENTRY = `inspector-app.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`

interface PageFile {
  readonly type: string
  readonly body: string
}

let files: Promise<Map<string, PageFile>> | undefined

/** Answers the inspector's routes; resolves false for other requests. */
export async function serveInspectorPage(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<boolean> {
  if (request.method !== 'GET' || (url.pathname !== ROUTES.INSPECT && url.pathname !== INSPECTOR_SCRIPT_PATH))
    return false
  files ??= buildPage().catch((error: unknown) => {
    files = undefined // reason: a failed build (e.g. esbuild missing) is retried on the next request
    throw error
  })
  const file = (await files).get(url.pathname)
  if (file === undefined) return false
  response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' })
  response.end(file.body)
  return true
}

async function buildPage(): Promise<Map<string, PageFile>> {
  const script = await bundleForBrowser(`${PAGE_DIR}${APP_ENTRY}`)
  const html = (await readFile(`${PAGE_DIR}inspector.html`, 'utf8')).replace('%SCRIPT_PATH%', INSPECTOR_SCRIPT_PATH)
  return new Map([
    [ROUTES.INSPECT, { type: 'text/html; charset=utf-8', body: html }],
    [INSPECTOR_SCRIPT_PATH, { type: 'text/javascript; charset=utf-8', body: script }],
  ])
}

/**
 * serveRelayChat: the peer of the browser bench — a raw `ws` relay (every frame goes to every other socket, nothing
 * stored) on an HTTP server that also serves the peer page (relay-chat-page.ts: the demo's HTML, style sheet and
 * message list drawing). An agent is a plain socket of the same relay.
 */
import { createServer } from 'node:http'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import WebSocket, { WebSocketServer } from 'ws'
import { bundleForBrowser } from '../../server/http/bundle-for-browser.ts'

/**
 * One relay frame: a person's message, a reply's text (the first frame of an id opens the reply), or an earlier
 * message of the conversation, whole and done (bench-history.ts).
 */
export type RelayFrame =
  | { readonly kind: 'user'; readonly id: string; readonly text: string }
  | { readonly kind: 'reply'; readonly id: string; readonly text: string; readonly replyTo?: string }
  | { readonly kind: 'history'; readonly id: string; readonly role: 'user' | 'assistant'; readonly text: string }

/** A running relay with its page. */
export interface RelayChat {
  /** The peer page. */
  readonly url: string
  /** Opens an agent's socket on the relay; resolves once open. */
  connect(): Promise<WebSocket>
  close(): Promise<void>
}

const APP_DIR = fileURLToPath(new URL('../../demo/app/', import.meta.url))

/** Starts the relay on 127.0.0.1, port 0. @throws Error when the page does not bundle */
export async function serveRelayChat(): Promise<RelayChat> {
  const script = await bundleForBrowser(fileURLToPath(new URL('./relay-chat-page.ts', import.meta.url)))
  const files = new Map<string, { type: string; body: string }>([
    [
      '/',
      { type: 'text/html', body: (await readFile(`${APP_DIR}index.html`, 'utf8')).replaceAll('%APP_BUILD%', 'relay') },
    ],
    ['/app.js', { type: 'text/javascript', body: script }],
    ['/app.css', { type: 'text/css', body: await readFile(`${APP_DIR}app.css`, 'utf8') }],
  ])
  const http = createServer((request, response) => {
    const file = files.get(new URL(request.url ?? '/', 'http://relay').pathname)
    response.writeHead(file === undefined ? 404 : 200, {
      'content-type': `${file?.type ?? 'text/plain'}; charset=utf-8`,
      'cache-control': 'no-store',
    })
    response.end(file?.body ?? 'not found')
  })
  const relay = new WebSocketServer({ server: http, path: '/relay' })
  relay.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      for (const peer of relay.clients) if (peer !== socket) peer.send(data, { binary: isBinary })
    })
  })
  await new Promise<void>((resolve) => {
    http.listen(0, '127.0.0.1', resolve)
  })
  const { port } = http.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/`,
    connect: () =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/relay`)
        socket.once('open', () => resolve(socket))
        socket.once('error', reject)
      }),
    close: async () => {
      for (const socket of relay.clients) socket.terminate()
      await new Promise<void>((resolve) => {
        relay.close(() => resolve())
      })
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
      })
    },
  }
}

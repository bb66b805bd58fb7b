/**
 * A scripted webhook receiver for tests: a real HTTP server on 127.0.0.1 port 0 that records every request (headers,
 * raw body) and answers each as the test's `respond` says — a status and body, after a delay, or never (a hang the
 * sender must time out). Hanging requests are answered when the receiver closes.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'

/** One received request. */
export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders
  readonly rawBody: string
  readonly body: unknown
}

/** How to answer one request: `hang` never answers; otherwise `status` (200) with `body` after `delayMs`. */
export type WebhookAnswer =
  | { readonly hang: true }
  | { readonly status?: number; readonly body?: unknown; readonly delayMs?: number }

/** A running receiver. */
export interface WebhookReceiver {
  readonly url: string
  readonly received: readonly ReceivedWebhook[]
  close(): Promise<void>
}

/** Starts a receiver; `respond` sees each request and the number of requests before it. */
export async function startWebhookReceiver(
  respond: (request: ReceivedWebhook, index: number) => WebhookAnswer = () => ({}),
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const hanging = new Set<ServerResponse>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8')
      const entry = { headers: request.headers, rawBody, body: JSON.parse(rawBody) as unknown }
      const answer = respond(entry, received.length)
      received.push(entry)
      if ('hang' in answer) {
        hanging.add(response)
        return
      }
      const send = (): void => {
        response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
        response.end(JSON.stringify(answer.body ?? {}))
      }
      if (answer.delayMs === undefined) send()
      else {
        const timer = setTimeout(() => {
          timers.delete(timer)
          send()
        }, answer.delayMs)
        timers.add(timer)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async close() {
      for (const timer of timers) clearTimeout(timer)
      for (const response of hanging) response.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

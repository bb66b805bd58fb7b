/**
 * A local OpenAI-compatible HTTP server on 127.0.0.1 port 0 for tests of the real `openai` package: it answers
 * `POST /v1/chat/completions` and `POST /v1/responses` with the given events as a Server-Sent Events stream
 * (`data: <json>` frames; chat completions end with `data: [DONE]`), as the OpenAI API streams them, and records the
 * request bodies it received.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * The events to stream for each route: the same for every request, or, as a function of the request's index on that
 * route (0 for the first), a different answer per request (a tool call, then the text written after its result).
 */
export interface OpenAiCompatibleScript {
  readonly chatCompletions?: readonly object[]
  readonly responses?: readonly object[] | ((requestIndex: number) => readonly object[])
}

/** A running server. */
export interface OpenAiCompatibleServer {
  /** Base URL for `new OpenAI({ baseURL })`, ending in `/v1`. */
  readonly baseURL: string
  /** Parsed JSON bodies of the requests received, in order, with their path. */
  readonly requests: readonly { path: string; body: unknown }[]
  close(): Promise<void>
}

/** Starts a server that streams `script`. */
export async function startOpenAiCompatibleServer(script: OpenAiCompatibleScript): Promise<OpenAiCompatibleServer> {
  const requests: { path: string; body: unknown }[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = request.url ?? ''
      requests.push({ path, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') })
      const index = requests.filter((earlier) => earlier.path === path).length - 1
      const responses = typeof script.responses === 'function' ? script.responses(index) : script.responses
      const events =
        path === '/v1/chat/completions' ? script.chatCompletions : path === '/v1/responses' ? responses : undefined
      if (request.method !== 'POST' || events === undefined) {
        response.writeHead(404, { 'content-type': 'application/json' })
        response.end(JSON.stringify({ error: { message: `no route ${path}` } }))
        return
      }
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      for (const event of events) response.write(`data: ${JSON.stringify(event)}\n\n`)
      if (path === '/v1/chat/completions') response.write('data: [DONE]\n\n')
      response.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  }
}

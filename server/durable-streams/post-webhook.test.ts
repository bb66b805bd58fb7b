import { createServer, type ServerResponse } from 'node:http'
import { describe, expect, it, onTestFinished } from 'vitest'
import { postWebhook } from './post-webhook.ts'

/** A receiver that never answers until it closes. */
async function startHangingReceiver(): Promise<string> {
  const hanging = new Set<ServerResponse>()
  const server = createServer((_request, response) => hanging.add(response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(async () => {
    for (const response of hanging) response.destroy()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`
}

describe('postWebhook', () => {
  it('ends a request the receiver never answers at the timeout', async () => {
    const url = await startHangingReceiver()
    expect(await postWebhook({ url, headers: {}, body: '{}', timeoutMs: 50 })).toEqual({ error: 'timeout' })
  })

  it('ends a request when the caller aborts, before the timeout', async () => {
    const url = await startHangingReceiver()
    const controller = new AbortController()
    const answer = postWebhook({ url, headers: {}, body: '{}', timeoutMs: 60_000, signal: controller.signal })
    controller.abort()
    expect(await answer).toEqual({ error: 'aborted' })
  })

  it('answers the status and body, and a refused connection as a network error', async () => {
    const server = createServer((_request, response) => response.writeHead(202).end('{"ok":true}'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/hook`
    expect(await postWebhook({ url, headers: {}, body: '{}', timeoutMs: 5_000 })).toEqual({
      status: 202,
      text: '{"ok":true}',
    })
    await new Promise<void>((resolve) => server.close(() => resolve()))
    expect(await postWebhook({ url, headers: {}, body: '{}', timeoutMs: 5_000 })).toEqual({ error: 'network' })
  })
})

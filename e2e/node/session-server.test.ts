/**
 * The session server over real WebSockets and HTTP, on a real SQLite file; an unexpected failure is answered with
 * its own code (PROTOCOL.md §5).
 */
import { describe, expect } from 'vitest'
import { test } from '../testing/fixtures.ts'

describe('createSessionServer', () => {
  test('relays a user message between two devices of one user and serves it as a transcript', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const phone = connectClient({ device: 'phone' })
    const laptop = connectClient({ device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const id = phone.sendMessage('hello from the phone')
    await phone.waitUntilDurable()
    await expect
      .poll(() => laptop.messages().map((message) => message.text), { timeout: 5_000 })
      .toEqual(['hello from the phone'])
    const response = await fetch(`${server.url}/v1/sessions/${sessionId}`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as {
      messages: Array<{ id: string; text: string; device: string }>
      schema: number
    }
    expect(body.schema).toBe(1)
    expect(body.messages).toMatchObject([{ id, text: 'hello from the phone', device: 'phone' }])
  })

  test('answers an unexpected failure as INTERNAL_ERROR (500, not retryable), not as a storage failure, and reports it', async ({
    startServer,
  }) => {
    const failures: unknown[] = []
    const bug = new TypeError('message.get is not a function')
    const broken = await startServer({
      handleRequest: async () => {
        throw bug
      },
      onError: (error) => {
        failures.push(error)
      },
    })
    const response = await fetch(`${broken.url}/v1/sessions`)
    expect(response.status).toBe(500)
    expect(await response.json()).toEqual({
      error: { code: 'INTERNAL_ERROR', message: 'internal server error', details: {} },
    })
    expect(failures).toEqual([bug])
  })
})

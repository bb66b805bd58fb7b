/**
 * The session server over real WebSockets and HTTP, on a real SQLite file.
 */
import { describe, expect } from 'vitest'
import { test } from '../testing/fixtures.ts'

describe('createSessionServer', () => {
  test('relays a user message between two devices of one user and serves it as a transcript', async ({ server, sessionId, connectClient }) => {
    const phone = connectClient({ device: 'phone' })
    const laptop = connectClient({ device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const id = phone.sendMessage('hello from the phone')
    await phone.waitUntilDurable()
    await expect.poll(() => laptop.messages().map((message) => message.text), { timeout: 5_000 }).toEqual(['hello from the phone'])
    const response = await fetch(`${server.url}/v1/sessions/${sessionId}`)
    expect(response.status).toBe(200)
    const body = await response.json() as { messages: Array<{ id: string, text: string, device: string }>, schema: number }
    expect(body.schema).toBe(1)
    expect(body.messages).toMatchObject([{ id, text: 'hello from the phone', device: 'phone' }])
  })
})

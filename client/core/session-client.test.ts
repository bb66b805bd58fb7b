/**
 * createSessionClient write pre-checks (PROTOCOL.md §10.1), on a client whose socket never opens: a user message or
 * steer over the limits throws a coded SessionError before anything reaches the document, and the client stays
 * usable. Over a real server, with announced limits: e2e/node/limits.test.ts. Also: a wait that can no longer end
 * (the client was destroyed) is refused at once instead of at its timeout; a fallback connection the server forgot is
 * a dropped connection, not an `error`.
 */
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorCode } from '../../shared/errors/error-codes.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { createSessionClient, type SessionClient, type SessionClientOptions } from './session-client.ts'

/** A socket that stays connecting forever: the client works offline, and nothing is sent. */
class NeverOpenWebSocket extends EventTarget {
  binaryType = 'arraybuffer'
  readyState = 0
  send(): void {}
  close(): void {}
}

/** An offline client and the number of document updates it has made. */
function offlineClient(options: Partial<SessionClientOptions> = {}): { client: SessionClient; updates: () => number } {
  const client = createSessionClient({
    url: 'ws://127.0.0.1:9/v1/ws',
    sessionId: 'limits',
    principalId: 'alice',
    WebSocket: NeverOpenWebSocket,
    transport: false,
    ...options,
  })
  let count = 0
  client.doc.on('update', () => {
    count++
  })
  return { client, updates: () => count }
}

describe('SessionClient write pre-checks', () => {
  it('refuses a message over the default maxUserTextChars with TEXT_TOO_LONG and writes nothing', () => {
    const { client, updates } = offlineClient()
    const length = DEFAULT_SESSION_LIMITS.maxUserTextChars + 1
    expect(() => client.sendMessage('x'.repeat(length))).toThrow(
      expect.objectContaining({
        name: 'SessionError',
        code: 'TEXT_TOO_LONG',
        details: { limit: DEFAULT_SESSION_LIMITS.maxUserTextChars, length },
      }),
    )
    expect(updates()).toBe(0)
    expect(client.messages()).toEqual([])
    const id = client.sendMessage('x'.repeat(DEFAULT_SESSION_LIMITS.maxUserTextChars))
    expect(client.messages().map((message) => [message.id, message.text.length])).toEqual([
      [id, DEFAULT_SESSION_LIMITS.maxUserTextChars],
    ])
    client.destroy()
  })

  it('refuses steer text over the limit of its `limits` option, and a steer without text passes', () => {
    const { client, updates } = offlineClient({ limits: { maxUserTextChars: 10 } })
    expect(client.limits.maxUserTextChars).toBe(10)
    expect(() => client.steer({ kind: 'note', text: 'eleven char' })).toThrow(
      expect.objectContaining({ code: 'TEXT_TOO_LONG', details: { limit: 10, length: 11 } }),
    )
    expect(() => client.sendMessage('eleven char')).toThrow(expect.objectContaining({ code: 'TEXT_TOO_LONG' }))
    expect(updates()).toBe(0)
    client.steer({ kind: 'stop' })
    client.steer({ kind: 'note', text: 'ten chars!' })
    expect(updates()).toBe(2)
    client.destroy()
  })

  it('refuses a message whose update would exceed maxUpdateBytes with UPDATE_TOO_LARGE, though its text is short enough', () => {
    const { client, updates } = offlineClient({ limits: { maxUpdateBytes: 8 * 1024 } })
    const text = '😀'.repeat(2_100) // 4 200 characters, 8 400 bytes
    expect(() => client.sendMessage(text)).toThrow(
      expect.objectContaining({ code: 'UPDATE_TOO_LARGE', details: expect.objectContaining({ limit: 8 * 1024 }) }),
    )
    expect(() => client.steer({ kind: 'note', text })).toThrow(expect.objectContaining({ code: 'UPDATE_TOO_LARGE' }))
    expect(updates()).toBe(0)
    let bytes = 0
    client.doc.on('update', (update: Uint8Array) => {
      bytes = update.byteLength
    })
    client.sendMessage('😀'.repeat(1_950))
    expect(bytes).toBeGreaterThan(7_800)
    expect(bytes).toBeLessThanOrEqual(8 * 1024)
    client.destroy()
  })
})

describe('SessionClient waits', () => {
  it('end with CONNECTION_CLOSED when the client is destroyed, and are refused at once afterwards', async () => {
    const { client } = offlineClient()
    client.sendMessage('never acknowledged')
    const durable = client.waitUntilDurable(60_000)
    const synced = client.waitForSynced(60_000)
    client.destroy()
    const closed = expect.objectContaining({ name: 'SessionError', code: 'CONNECTION_CLOSED' })
    await expect(durable).rejects.toEqual(closed)
    await expect(synced).rejects.toEqual(closed)
    await expect(client.waitUntilDurable(60_000)).rejects.toEqual(
      expect.objectContaining({ code: 'CONNECTION_CLOSED', details: { what: 'durability' } }),
    )
  })
})

/** A socket that opens, then is closed by the server with `reason`, every time the client connects. */
function closedBy(reason: ErrorCode) {
  const code = ERROR_CODES[reason].closeCode
  return class ClosedBy extends EventTarget {
    binaryType = 'arraybuffer'
    readyState = 0
    constructor() {
      super()
      setTimeout(() => {
        this.readyState = 1
        this.dispatchEvent(new Event('open'))
        this.readyState = 3
        this.dispatchEvent(Object.assign(new Event('close'), { code, reason }))
      }, 0)
    }
    send(): void {}
    close(): void {}
  }
}

describe('SessionClient errors on a close', () => {
  const closes = async (reason: ErrorCode): Promise<string[]> => {
    const client = createSessionClient({
      url: 'ws://127.0.0.1:9/v1/ws',
      sessionId: 'closes',
      principalId: 'alice',
      WebSocket: closedBy(reason),
      transport: false,
      reconnectDelayMs: 10,
    })
    const errors: string[] = []
    client.on('error', (error) => {
      errors.push(error.code)
    })
    let offline = 0
    client.on('status', (status) => {
      if (status === 'offline') offline++
    })
    await expect.poll(() => offline).toBeGreaterThanOrEqual(2)
    client.destroy()
    return errors
  }

  it('reports a retryable server close as an error, and keeps reconnecting', async () => {
    expect((await closes('PERSISTENCE_FAILED')).slice(0, 2)).toEqual(['PERSISTENCE_FAILED', 'PERSISTENCE_FAILED'])
  })

  it('treats FALLBACK_CONNECTION_NOT_FOUND as a dropped connection: no error', async () => {
    expect(await closes('FALLBACK_CONNECTION_NOT_FOUND')).toEqual([])
  })
})

/**
 * HttpFallbackSocket retrying a server that does not answer: each wait between attempts leaves nothing behind on the
 * socket's stop signal, so a connection that retries for hours holds no more listeners than one that never had to.
 */
import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HttpFallbackSocket } from './http-fallback-socket.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('HttpFallbackSocket retries', () => {
  it('leaves no abort listener behind per retry while the server answers 500', async () => {
    vi.useFakeTimers()
    let attempts = 0
    const socket = new HttpFallbackSocket('ws://127.0.0.1:9/ws', {
      mode: 'long-poll',
      fetch: async () => {
        attempts++
        return new Response(null, { status: 500 })
      },
    })
    const stopSignal = (socket as unknown as { stopped: AbortController }).stopped.signal
    while (attempts < 40) await vi.advanceTimersByTimeAsync(1_000)
    expect(getEventListeners(stopSignal, 'abort').length).toBeLessThanOrEqual(1)
    socket.close()
    expect(stopSignal.aborted).toBe(true)
  })
})

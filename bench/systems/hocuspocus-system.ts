/**
 * hocuspocusSystem: driver of stock Hocuspocus used the plain way: one Y.Doc per stream with the reply in one
 * Y.Text (`reply`), one `insert` (one update) per token, HocuspocusProvider clients (a viewer resumes with a new
 * provider over the document it kept: sync by state vector).
 */
import { HocuspocusProvider } from '@hocuspocus/provider'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { BenchSystem } from './bench-system.ts'
import { countingWebSocket, type ByteCounter } from './counting-web-socket.ts'

const SYNC_TIMEOUT_MS = 30_000

/** The stock Hocuspocus driver. */
export const hocuspocusSystem: BenchSystem = {
  name: 'hocuspocus',
  async openProducer(url, streamId) {
    const doc = new Y.Doc()
    const provider = await openProvider(url, streamId, doc, NodeWebSocket)
    const text = doc.getText('reply')
    return {
      async stream(tokens) {
        for await (const token of tokens) text.insert(text.length, token)
      },
      async close() {
        provider.destroy()
      },
    }
  },
  async openViewer(url, streamId, onLength) {
    const counter: ByteCounter = { bytes: 0 }
    const doc = new Y.Doc()
    const text = doc.getText('reply')
    text.observe(() => {
      onLength(text.length)
    })
    const CountingWebSocket = countingWebSocket(counter)
    let provider: HocuspocusProvider | undefined = await openProvider(url, streamId, doc, CountingWebSocket)
    let reopened: Promise<HocuspocusProvider> | undefined
    return {
      get bytesReceived() {
        return counter.bytes
      },
      // A new provider over the same document resumes by state vector; disconnect() + connect() on one provider
      // sometimes never reconnected (the new connect raced the old socket's close).
      pause() {
        provider?.destroy()
        provider = undefined
      },
      resume() {
        reopened = openProvider(url, streamId, doc, CountingWebSocket)
        reopened.then(
          (next) => {
            provider = next
          },
          (error: unknown) => {
            console.error('[hocuspocus viewer]', error)
          },
        )
      },
      async close() {
        const last = reopened === undefined ? provider : await reopened.catch(() => undefined)
        last?.destroy()
      },
    }
  },
}

/** Opens a provider of `doc` and resolves once it synced. @throws SessionError TIMEOUT */
function openProvider(url: string, name: string, doc: Y.Doc, WebSocketPolyfill: unknown): Promise<HocuspocusProvider> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      provider.destroy()
      reject(new SessionError('TIMEOUT', `Hocuspocus provider of ${name} did not sync within ${SYNC_TIMEOUT_MS} ms`))
    }, SYNC_TIMEOUT_MS)
    // The provider hands its whole configuration to the socket it creates for `url`; its type omits the polyfill.
    const configuration = {
      url,
      name,
      document: doc,
      WebSocketPolyfill,
      onSynced: () => {
        clearTimeout(timer)
        resolve(provider)
      },
    }
    const provider = new HocuspocusProvider(configuration)
  })
}

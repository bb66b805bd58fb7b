/**
 * The example of docs/sdks.md § A stock Hocuspocus provider, run against a real server with auth on: a stock
 * `@hocuspocus/provider` on a shared socket (`attach()`), authenticated by the `token` option, appends a user message
 * with the schema helpers of `lifeline/protocol`, and a Lifeline client sees it; a message whose `author` is not the
 * token's `sub` is refused in-band and never stored.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { decodeUpdateRejectedNotice } from '../../shared/protocol/update-rejected-notice.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', AUTH_ON)

describe('a stock Hocuspocus provider', () => {
  test('appends a message under its token and is refused for another author', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    // The example, as in the docs (Node passes a WebSocket class; browsers use the global one).
    const socket = new HocuspocusProviderWebsocket({ url: server.websocketUrl, WebSocketPolyfill: NodeWebSocket })
    const doc = new Y.Doc()
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: sessionId,
      document: doc,
      token: tokenFor('alice', 'user', sessionId),
    })
    provider.attach() // a provider on a shared socket connects only once attached
    const refusals: string[] = []
    provider.on('stateless', ({ payload }: { payload: string }) => {
      const notice = decodeUpdateRejectedNotice(payload)
      if (notice !== undefined) refusals.push(notice.reason)
    })
    try {
      await expect.poll(() => provider.synced, { timeout: 10_000 }).toBe(true)
      appendMessage(doc, { id: createRandomId(), role: 'user', author: 'alice', status: 'done', text: 'Hello' })

      const viewer = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
      await expect.poll(() => viewer.messages().map((message) => message.text), { timeout: 10_000 }).toEqual(['Hello'])
      expect(viewer.messages()[0]?.author).toBe('alice')

      appendMessage(doc, { id: createRandomId(), role: 'user', author: 'mallory', status: 'done', text: 'Forged' })
      await expect.poll(() => refusals.length, { timeout: 10_000 }).toBe(1)
      const stored = await (
        await fetch(`${server.url}/v1/sessions/${sessionId}`, {
          headers: { authorization: `Bearer ${tokenFor('bob', 'user', sessionId)}` },
        })
      ).json()
      expect((stored as { messages: { text: string }[] }).messages.map((message) => message.text)).toEqual(['Hello'])
    } finally {
      provider.destroy()
      socket.destroy()
    }
  })
})

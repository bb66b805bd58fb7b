/**
 * The React hooks under server-side rendering (`renderToString` from react-dom/server): a page that uses every hook
 * renders their fallbacks, and opens no session client and no connection to the real server.
 */
import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClientOptions } from '../../client/core/session-client.ts'
import { useConnectionStatus } from '../../client/react/use-connection-status.ts'
import { useMessages } from '../../client/react/use-messages.ts'
import { usePresence } from '../../client/react/use-presence.ts'
import { useSession } from '../../client/react/use-session.ts'
import { useSteer } from '../../client/react/use-steer.ts'
import { test } from '../testing/fixtures.ts'

describe('React hooks under server rendering', () => {
  test('render their fallbacks and open no client or connection', async ({ server, sessionId }) => {
    const opened: SessionClientOptions[] = []
    const create = (options: SessionClientOptions) => {
      opened.push(options)
      return createSessionClient(options)
    }
    function Chat() {
      const client = useSession({
        url: server.websocketUrl,
        sessionId,
        principalId: 'alice',
        WebSocket: NodeWebSocket,
        create,
      })
      const messages = useMessages(client)
      const { status, unsyncedChanges } = useConnectionStatus(client)
      const people = usePresence(client)
      const { stop } = useSteer(client)
      return createElement(
        'p',
        null,
        `${status} ${unsyncedChanges} ${messages.length} ${people.length} ${typeof stop} ${client === undefined}`,
      )
    }
    const html = renderToString(createElement(Chat))
    expect(html).toBe('<p>connecting 0 0 0 function true</p>')
    expect(opened).toEqual([])
    expect(server.hocuspocus.getConnectionsCount()).toBe(0)
  })
})

/**
 * createAgentTextCounter on real Yjs documents: the server's copy receives the agent's updates as bytes, as it
 * does from a connection. Counted: text and reasoning appended to assistant messages, including new messages and
 * the new part opened when one is full. Not counted: content loaded before, user text, tool parts.
 */
import type { Document } from '@hocuspocus/server'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendText, appendToolCall } from '../../shared/session/session-doc.ts'
import { MAX_TEXT_PART_CHARS } from '../../shared/session/session-schema.ts'
import { createAgentTextCounter } from './count-agent-text.ts'

/** Applies each change the agent's replica makes to the server's replica, as update bytes. */
function mirror(agent: Y.Doc, server: Y.Doc): void {
  agent.on('update', (update: Uint8Array) => {
    Y.applyUpdate(server, update)
  })
}

describe('createAgentTextCounter', () => {
  it('counts agent text applied after the load, across new messages, full parts and reasoning', async () => {
    const agent = new Y.Doc()
    const server = new Y.Doc()
    mirror(agent, server)
    const loaded = appendMessage(agent, {
      id: 'm0',
      role: 'assistant',
      author: 'agent-1',
      status: 'done',
      text: 'loaded before',
    })
    const counted: Array<[string, number]> = []
    const counter = createAgentTextCounter((part, chars) => {
      counted.push([part, chars])
    })
    await counter.afterLoadDocument?.({ document: server as unknown as Document } as never)

    appendText(loaded, ' and more')
    appendMessage(agent, {
      id: 'u1',
      role: 'user',
      author: 'alice',
      status: 'done',
      text: 'user text is not agent text',
    })
    const reply = appendMessage(agent, {
      id: 'm1',
      role: 'assistant',
      author: 'agent-1',
      status: 'streaming',
      text: 'first',
    })
    agent.transact(() => {
      appendText(reply, 'x'.repeat(MAX_TEXT_PART_CHARS - 5)) // fills the first part exactly
      appendText(reply, 'overflow') // opens a second part in the same transaction
    })
    appendText(reply, 'thinking', 'reasoning')
    appendToolCall(reply, { toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } })
    appendText(reply, ' more thinking', 'reasoning')

    const total = (part: string): number =>
      counted.filter(([type]) => type === part).reduce((sum, [, chars]) => sum + chars, 0)
    expect(total('text')).toBe(' and more'.length + 'first'.length + MAX_TEXT_PART_CHARS - 5 + 'overflow'.length)
    expect(total('reasoning')).toBe('thinking'.length + ' more thinking'.length)
    expect(server.getArray('messages').length).toBe(3)
  })
})

/**
 * ReplyWriter typed parts on a local document (no server): `pipeParts` coalesces reasoning and text deltas into
 * separate parts in stream order, writes tool calls and results as their own parts, and ends `done`, `stopped` or
 * `failed` exactly like `pipe`; the buffer grows to `maxBusyBufferChars` while an earlier update is unacknowledged;
 * no write exceeds the client's `maxUpdateBytes` (PROTOCOL.md §10.1).
 */
import * as Y from 'yjs'
import { POLICY_HOLD_BACK_CHARS } from '../../shared/policy/message-policy.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_SESSION_LIMITS, type WriteLimits } from '../../shared/limits/session-limits.ts'
import { findMessage, readMessage } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { SessionClient } from '../core/session-client.ts'
import { replay } from './adapters/testing/replay.ts'
import type { FlushMode } from './flush-policy.ts'
import type { ReplyPart } from './reply-part.ts'
import { createReplyWriter, type ReplyWriter } from './reply-writer.ts'

/** A local client (no server) whose test says when the server acknowledges: see {@link localClient}. */
interface LocalClient extends SessionClient {
  /** The server acknowledges every update so far: `unsyncedChanges` drops to 0 and `unsynced` is emitted. */
  acknowledge(): void
}

/**
 * A client on a local document: enough for the writer, which only needs the document and flow control. Every
 * change is durable at once, unless `holdAcks`: then each update counts as unacknowledged until `acknowledge()`.
 */
function localClient(
  limits: WriteLimits = DEFAULT_SESSION_LIMITS,
  { holdAcks = false, policyHoldBackChars = 0 } = {},
): LocalClient {
  const doc = new Y.Doc()
  const unsyncedListeners = new Set<(count: number) => void>()
  let unsynced = 0
  const setUnsynced = (count: number): void => {
    unsynced = count
    for (const listener of unsyncedListeners) listener(count)
  }
  if (holdAcks) doc.on('update', () => setUnsynced(unsynced + 1))
  return {
    sessionId: 'local',
    principalId: 'agent-1',
    doc,
    status: 'synced',
    transport: undefined,
    get unsyncedChanges() {
      return unsynced
    },
    limits,
    policyHoldBackChars,
    on(event, handler) {
      if (event === 'unsynced') unsyncedListeners.add(handler as (count: number) => void)
    },
    off(event, handler) {
      if (event === 'unsynced') unsyncedListeners.delete(handler as (count: number) => void)
    },
    acknowledge: () => setUnsynced(0),
    messages: () => [],
    pendingEntries: () => [],
    presence: () => [],
    presenceByPerson: () => [],
    people: () => [],
    person: () => undefined,
    setDisplayName: (name) => name,
    sendMessage: () => '',
    steer: () => '',
    refused: () => [],
    retry: (id) => id,
    discard: () => false,
    waitForSynced: async () => {},
    waitUntilDurable: async () => {},
    disconnect() {},
    connect() {},
    reconnect() {},
    destroy() {},
  }
}

function openReply(
  options: {
    flushMode?: FlushMode
    coalesceMs?: number
    limits?: WriteLimits
    holdAcks?: boolean
    policyHoldBackChars?: number
  } = {},
): {
  client: LocalClient
  writer: ReplyWriter
  view: () => MessageView
} {
  const client = localClient(options.limits, {
    holdAcks: options.holdAcks ?? false,
    policyHoldBackChars: options.policyHoldBackChars ?? 0,
  })
  const writer = createReplyWriter(
    client,
    { agentId: 'agent-1' },
    {
      flushMode: options.flushMode ?? 'window',
      coalesceMs: options.coalesceMs ?? 60_000,
      maxBufferChars: 1_000_000,
      heartbeatMs: 60_000,
    },
  )
  return { client, writer, view: () => storedMessage(client, writer.id) }
}

/** The stored message `id` of `client`'s document; fails the test when there is none. */
function storedMessage(client: SessionClient, id: string): MessageView {
  const message = findMessage(client.doc, id)
  if (message === undefined) throw new Error(`no message ${id} in the document`)
  return readMessage(message)
}

const text = (value: string): ReplyPart => ({ type: 'text-delta', text: value })
const reasoning = (value: string): ReplyPart => ({ type: 'reasoning-delta', text: value })

describe('ReplyWriter with a message policy announced (PROTOCOL.md §8.8)', () => {
  it('holds back the trailing text, never splitting an address, until the reply ends', async () => {
    const { writer, view } = openReply({ policyHoldBackChars: POLICY_HOLD_BACK_CHARS })
    const words = 'lorem ipsum dolor sit amet '.repeat(6)
    const written: string[] = []
    for (const token of [words, 'mail ali', 'ce@exa', 'mple.com', ' soon', ' and more words follow here']) {
      writer.append(token)
      writer.flush()
      written.push(view().text)
    }
    // The address reaches the document whole or not at all.
    for (const sent of written) expect(!sent.includes('mail ali') || sent.includes('alice@example.com')).toBe(true)
    expect(written.at(-1)?.length).toBeGreaterThan(words.length - POLICY_HOLD_BACK_CHARS - 1)
    await writer.end()
    expect(view().text).toBe(`${words}mail alice@example.com soon and more words follow here`)
  })
})

describe('ReplyWriter hold-back latency with a message policy announced (PROTOCOL.md §8.8)', () => {
  it('writes every word once the next token starts, and holds a phone number in groups whole', () => {
    const { writer, view } = openReply({ policyHoldBackChars: POLICY_HOLD_BACK_CHARS })
    const written: string[] = []
    for (const token of ['Hello', ' there', ', call', ' +1 (555)', ' 123-', '4567', ' now', ' please']) {
      writer.append(token)
      writer.flush()
      written.push(view().text)
    }
    expect(written).toEqual([
      '',
      'Hello',
      'Hello there,',
      'Hello there, call',
      'Hello there, call',
      'Hello there, call',
      'Hello there, call',
      'Hello there, call +1 (555) 123-4567 now',
    ])
  })
})

describe('ReplyWriter.pipeParts', () => {
  it('keeps stream order across part kinds and coalesces each run of deltas into one write', async () => {
    const { client, writer, view } = openReply()
    let updates = 0
    client.doc.on('update', () => {
      updates++
    })
    const parts: ReplyPart[] = [
      reasoning('Think '),
      reasoning('twice.'),
      text('Calling '),
      text('the tool.'),
      reasoning('Hmm.'),
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs', limit: 3 } },
      { type: 'tool-result', toolCallId: 'c1', output: [{ title: 'Yjs', score: 0.9 }] },
      text('Found '),
      text('it.'),
    ]
    await expect(writer.pipeParts(replay(parts))).resolves.toBe('done')
    expect(view().parts).toEqual([
      { type: 'reasoning', text: 'Think twice.' },
      { type: 'text', text: 'Calling the tool.' },
      { type: 'reasoning', text: 'Hmm.' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs', limit: 3 } },
      { type: 'tool-result', toolCallId: 'c1', output: [{ title: 'Yjs', score: 0.9 }] },
      { type: 'text', text: 'Found it.' },
    ])
    expect(view().text).toBe('Calling the tool.Found it.')
    expect(view().status).toBe('done')
    // reasoning, text, reasoning, tool-call, tool-result, the last text (flushed by end), then the final status
    expect(updates).toBe(7)
  })

  it('stores tool inputs and outputs as plain JSON and keeps inputError', async () => {
    const { writer, view } = openReply()
    writer.appendPart({
      type: 'tool-call',
      toolCallId: 'c1',
      toolName: 'write',
      input: '{"path": "a',
      inputError: 'INVALID_JSON',
    })
    writer.appendPart({
      type: 'tool-result',
      toolCallId: 'c1',
      output: { at: new Date(0), skipped: undefined, nested: { ok: true } },
    })
    writer.appendPart({ type: 'tool-result', toolCallId: 'c2', output: undefined })
    await writer.end()
    expect(view().parts).toEqual([
      { type: 'tool-call', toolCallId: 'c1', toolName: 'write', input: '{"path": "a', inputError: 'INVALID_JSON' },
      { type: 'tool-result', toolCallId: 'c1', output: { at: '1970-01-01T00:00:00.000Z', nested: { ok: true } } },
      { type: 'tool-result', toolCallId: 'c2', output: null },
    ])
    expect(() => {
      writer.appendPart(text('late'))
    }).toThrow(expect.objectContaining({ code: 'REPLY_CLOSED' }))
  })

  it('ends stopped when the writer is aborted mid-stream, keeping the parts written before', async () => {
    const { writer, view } = openReply({ flushMode: 'adaptive' })
    const parts: ReplyPart[] = [reasoning('plan'), { type: 'tool-call', toolCallId: 'c1', toolName: 'f', input: {} }]
    const endless = replay(parts, {
      repeat: (index) => text(`t${index} `),
      beforeItem: (index) => {
        if (index === 6) writer.abort()
      },
    })
    await expect(writer.pipeParts(endless)).resolves.toBe('stopped')
    expect(view().status).toBe('stopped')
    expect(view().parts).toEqual([
      { type: 'reasoning', text: 'plan' },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'f', input: {} },
      { type: 'text', text: 't2 t3 t4 t5 ' },
    ])
  })

  it('ends stopped when the given signal aborts', async () => {
    const { writer, view } = openReply()
    const controller = new AbortController()
    const endless = replay([text('a')], {
      repeat: () => text('b'),
      beforeItem: (index) => {
        if (index === 3) controller.abort()
      },
    })
    await expect(writer.pipeParts(endless, { signal: controller.signal })).resolves.toBe('stopped')
    expect(view()).toMatchObject({ status: 'stopped', text: 'abb' })
  })

  it('ends failed and rethrows when the source throws, keeping the partial reply', async () => {
    const { writer, view } = openReply()
    const failure = new Error('model overloaded')
    async function* failing(): AsyncGenerator<ReplyPart> {
      yield reasoning('r')
      yield text('partial')
      throw failure
    }
    await expect(writer.pipeParts(failing())).rejects.toBe(failure)
    expect(view()).toMatchObject({
      status: 'failed',
      text: 'partial',
      parts: [
        { type: 'reasoning', text: 'r' },
        { type: 'text', text: 'partial' },
      ],
    })
  })

  it('ends failed and closes the source when a part cannot be written', async () => {
    const { writer, view } = openReply()
    let closed = false
    async function* source(): AsyncGenerator<ReplyPart> {
      try {
        yield text('before')
        yield { type: 'tool-result', toolCallId: 'c1', output: { size: 10n } }
        yield text('never')
      } finally {
        closed = true
      }
    }
    await expect(writer.pipeParts(source())).rejects.toThrow(TypeError)
    await expect.poll(() => closed, { timeout: 1_000 }).toBe(true)
    expect(view()).toMatchObject({ status: 'failed', text: 'before' })
  })

  it('leaves pipe for plain tokens unchanged', async () => {
    const { writer, view } = openReply()
    await expect(writer.pipe(replay(['a', 'b', 'c']))).resolves.toBe('done')
    expect(view()).toMatchObject({ status: 'done', text: 'abc', parts: [{ type: 'text', text: 'abc' }] })
  })
})

describe('ReplyWriter buffering', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('writes at maxBufferChars when nothing is in flight, at maxBusyBufferChars while an update is unacknowledged', async () => {
    const client = localClient(DEFAULT_SESSION_LIMITS, { holdAcks: true })
    const writer = createReplyWriter(
      client,
      { agentId: 'agent-1' },
      { flushMode: 'window', coalesceMs: 60_000, maxBufferChars: 10, maxBusyBufferChars: 40, heartbeatMs: 60_000 },
    )
    client.acknowledge() // the reply's opening transaction
    const stored = (): string => storedMessage(client, writer.id).text
    writer.append('0123456789')
    expect(stored()).toBe('0123456789')
    writer.append('abcdefghij')
    writer.append('klmnopqrst')
    expect(stored()).toBe('0123456789')
    writer.append('uvwxyzABCDEFGHIJKLMN')
    expect(stored()).toBe('0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN')
    client.acknowledge()
    writer.append('OPQRSTUVWX')
    expect(stored()).toHaveLength(60)
    await writer.end()
  })

  it('adaptive: writes a token at once when nothing is unacknowledged, and the tokens of an in-flight wait together with the ack', async () => {
    const { client, writer, view } = openReply({ flushMode: 'adaptive', holdAcks: true })
    const updates: Uint8Array[] = []
    client.doc.on('update', (update: Uint8Array) => updates.push(update))
    client.acknowledge()
    writer.append('Hello')
    expect(view().text).toBe('Hello')
    expect(updates).toHaveLength(1)
    writer.append(', ')
    writer.append('world')
    expect(view().text).toBe('Hello')
    client.acknowledge()
    expect(view().text).toBe('Hello, world')
    expect(updates).toHaveLength(2)
    client.acknowledge()
    await writer.end()
  })

  it('adaptive: a token waits at most coalesceMs for an acknowledgement that does not come', async () => {
    vi.useFakeTimers()
    const { client, writer, view } = openReply({ flushMode: 'adaptive', coalesceMs: 30, holdAcks: true })
    const stored = (): string => view().text
    writer.append('late') // the opening transaction is still unacknowledged
    vi.advanceTimersByTime(29)
    expect(stored()).toBe('')
    vi.advanceTimersByTime(1)
    expect(stored()).toBe('late')
    client.acknowledge()
    await writer.end()
  })

  it('window: a token waits coalesceMs even when nothing is unacknowledged, and an ack does not release it', async () => {
    vi.useFakeTimers()
    const { client, writer, view } = openReply({ flushMode: 'window', coalesceMs: 30, holdAcks: true })
    client.acknowledge()
    const stored = (): string => view().text
    writer.append('wait')
    client.acknowledge()
    vi.advanceTimersByTime(29)
    expect(stored()).toBe('')
    vi.advanceTimersByTime(1)
    expect(stored()).toBe('wait')
    client.acknowledge()
    await writer.end()
  })
})

describe('ReplyWriter update size (PROTOCOL.md §10.1)', () => {
  const limits: WriteLimits = { maxUpdateBytes: 8 * 1024, maxUserTextChars: 1_000 }

  /** Every update `client.doc` emits from now on. */
  const recordUpdates = (client: SessionClient): Uint8Array[] => {
    const updates: Uint8Array[] = []
    client.doc.on('update', (update: Uint8Array) => {
      updates.push(update)
    })
    return updates
  }

  it('writes a token far larger than maxUpdateBytes as several updates that each fit, tearing no surrogate pair', async () => {
    const { client, writer, view } = openReply({ limits })
    const updates = recordUpdates(client)
    const token = 'a€😀ü'.repeat(20_000) // 1, 3, 4 and 2 bytes: 200 KB in one token
    writer.append(token)
    writer.appendPart(reasoning('😀'.repeat(9_000)))
    await writer.end()
    expect(updates.length).toBeGreaterThan(30)
    for (const update of updates) expect(update.byteLength).toBeLessThanOrEqual(limits.maxUpdateBytes)
    expect(view().text).toBe(token)
    expect(
      view()
        .parts.filter((part) => part.type === 'reasoning')
        .map((part) => (part.type === 'reasoning' ? part.text : ''))
        .join(''),
    ).toBe('😀'.repeat(9_000))
  })

  it('spends under 200 bytes of an update on anything but the text (TEXT_WRITE_OVERHEAD_BYTES has room)', async () => {
    const { client, writer } = openReply({ limits })
    const updates = recordUpdates(client)
    writer.append('é'.repeat(1_000))
    writer.flush()
    writer.appendPart(reasoning('é'.repeat(1_000))) // opens a new part
    writer.flush()
    writer.append('é'.repeat(1_000))
    writer.flush()
    expect(updates).toHaveLength(3)
    for (const update of updates) expect(update.byteLength - 2_000).toBeLessThan(200)
    await writer.end()
  })

  it.each([
    ['tool call', { type: 'tool-call', toolCallId: 'c1', toolName: 'write', input: { content: 'x'.repeat(9_000) } }],
    ['tool result', { type: 'tool-result', toolCallId: 'c1', output: [1.5, 'ü'.repeat(4_500)] }],
  ] as Array<[string, ReplyPart]>)(
    'refuses a %s that cannot fit in one update with UPDATE_TOO_LARGE, writing nothing',
    async (_label, part) => {
      const { client, writer, view } = openReply({ limits })
      writer.append('buffered')
      const updates = recordUpdates(client)
      expect(() => {
        writer.appendPart(part)
      }).toThrow(
        expect.objectContaining({
          code: 'UPDATE_TOO_LARGE',
          details: expect.objectContaining({ limit: limits.maxUpdateBytes }),
        }),
      )
      expect(updates).toEqual([])
      writer.appendPart({ type: 'tool-result', toolCallId: 'c1', output: 'small' })
      await writer.end()
      expect(view().parts).toEqual([
        { type: 'text', text: 'buffered' },
        { type: 'tool-result', toolCallId: 'c1', output: 'small' },
      ])
    },
  )

  it('ends failed with UPDATE_TOO_LARGE when pipeParts meets a part that cannot fit', async () => {
    const { writer, view } = openReply({ limits })
    const parts: ReplyPart[] = [
      text('before'),
      { type: 'tool-result', toolCallId: 'c1', output: 'x'.repeat(10_000) },
      text('never'),
    ]
    await expect(writer.pipeParts(replay(parts))).rejects.toMatchObject({ code: 'UPDATE_TOO_LARGE' })
    expect(view()).toMatchObject({ status: 'failed', text: 'before', parts: [{ type: 'text', text: 'before' }] })
  })
})

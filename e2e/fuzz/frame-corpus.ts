/**
 * The seed corpus of the live-server fuzz: frames captured from real clients — a user and an agent on the SDKs,
 * talking to the server under test (Auth, sync steps, updates, awareness, probes) — plus hand-built frames of
 * every Hocuspocus message type, wrong-session and expired tokens, and truncated or overlong varints.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import {
  appendMessage,
  appendText,
  endRun,
  findMessage,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'

/** Tokens the corpus and the fuzz connections use. */
export interface FuzzTokens {
  readonly user: string
  readonly agent: string
  readonly observer: string
  /** A valid token for another session. */
  readonly otherSession: string
  /** A token that has expired. */
  readonly expired: string
}

/** Principal ids of the corpus clients (their tokens' `sub`). */
export const FUZZ_USER_ID = 'fuzz-user'
const FUZZ_AGENT_ID = 'fuzz-agent'

/** Runs a short real conversation on `sessionId` and returns every frame the clients sent, plus crafted frames. */
export async function captureFrameCorpus(options: {
  websocketUrl: string
  sessionId: string
  tokens: FuzzTokens
}): Promise<Uint8Array[]> {
  const { websocketUrl, sessionId, tokens } = options
  const captured: Uint8Array[] = []
  const Capturing = class extends NodeWebSocket {
    override send(data: Parameters<NodeWebSocket['send']>[0], ...rest: unknown[]): void {
      if (data instanceof Uint8Array) captured.push(Uint8Array.from(data))
      ;(NodeWebSocket.prototype.send as (...args: unknown[]) => void).call(this, data, ...rest)
    }
  }
  const user = createSessionClient({
    url: websocketUrl,
    sessionId,
    principalId: FUZZ_USER_ID,
    token: tokens.user,
    WebSocket: Capturing,
    transport: false,
  })
  const agent = createSessionClient({
    url: websocketUrl,
    sessionId,
    principalId: FUZZ_AGENT_ID,
    role: 'agent',
    token: tokens.agent,
    WebSocket: Capturing,
    transport: false,
  })
  try {
    await Promise.all([user.waitForSynced(), agent.waitForSynced()])
    const asked = user.sendMessage('What is a durable session?')
    user.steer({ kind: 'note', target: asked, text: 'keep it short' })
    await user.waitUntilDurable()
    await agent.waitForSynced()
    // The agent's writes, as the agent SDK makes them: a run, a streaming reply, coalesced text, the end.
    const replyId = `m_reply_${asked}`
    agent.doc.transact(() => {
      startRun(agent.doc, { id: `r_${asked}`, agent: FUZZ_AGENT_ID, messageId: replyId, startedAt: Date.now() })
      appendMessage(agent.doc, {
        id: replyId,
        role: 'assistant',
        author: FUZZ_AGENT_ID,
        status: 'streaming',
        runId: `r_${asked}`,
        replyTo: asked,
      })
    })
    const reply = findMessage(agent.doc, replyId) as Y.Map<unknown>
    for (const chunk of [
      'A durable session ',
      'outlives its connections: ',
      'every update is logged before it is acknowledged.',
    ])
      appendText(reply, chunk)
    agent.doc.transact(() => {
      setMessageStatus(reply, 'done')
      endRun(agent.doc, `r_${asked}`, 'done', Date.now())
    })
    await agent.waitUntilDurable()
  } finally {
    user.destroy()
    agent.destroy()
  }
  return [...captured, ...craftedFrames(sessionId, tokens)]
}

/** Frames no SDK sends: every message type, auth variants, sync sub-types with odd payloads. */
function craftedFrames(sessionId: string, tokens: FuzzTokens): Uint8Array[] {
  const frame = (
    type: number,
    write: (encoder: encoding.Encoder) => void = () => undefined,
    name = sessionId,
  ): Uint8Array => {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, name)
    encoding.writeVarUint(encoder, type)
    write(encoder)
    return encoding.toUint8Array(encoder)
  }
  const auth = (token: string, name?: string): Uint8Array =>
    frame(
      MESSAGE_TYPE.AUTH,
      (encoder) => {
        encoding.writeVarUint(encoder, 0)
        encoding.writeVarString(encoder, token)
      },
      name,
    )
  const sync = (step: number, payload: Uint8Array): Uint8Array =>
    frame(MESSAGE_TYPE.SYNC, (encoder) => {
      encoding.writeVarUint(encoder, step)
      encoding.writeVarUint8Array(encoder, payload)
    })
  const emptyDoc = new Y.Doc()
  const frames = [
    auth(tokens.user),
    auth(tokens.agent),
    auth(tokens.observer),
    auth(tokens.otherSession),
    auth(tokens.expired),
    auth(''),
    auth(tokens.user, 'other-session'),
    auth(`${tokens.user}x`),
    frame(MESSAGE_TYPE.AUTH, (encoder) => {
      encoding.writeVarUint(encoder, 1)
      encoding.writeVarString(encoder, 'denied')
    }),
    sync(SYNC_MESSAGE_TYPE.STEP1, Y.encodeStateVector(emptyDoc)),
    sync(SYNC_MESSAGE_TYPE.STEP2, Y.encodeStateAsUpdate(emptyDoc)),
    sync(SYNC_MESSAGE_TYPE.UPDATE, new Uint8Array([0, 0])),
    sync(7, new Uint8Array([1, 2, 3])),
    frame(MESSAGE_TYPE.SYNC_REPLY, (encoder) => {
      encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.STEP1)
      encoding.writeVarUint8Array(encoder, new Uint8Array([0]))
    }),
    frame(MESSAGE_TYPE.QUERY_AWARENESS),
    frame(MESSAGE_TYPE.STATELESS, (encoder) => {
      encoding.writeVarString(encoder, '{"type":"hello"}')
    }),
    frame(6, (encoder) => {
      encoding.writeVarString(encoder, 'broadcast from a client')
    }),
    frame(MESSAGE_TYPE.CLOSE),
    frame(MESSAGE_TYPE.SYNC_STATUS, (encoder) => {
      encoding.writeVarUint(encoder, 1)
    }),
    frame(99),
    frame(MESSAGE_TYPE.AWARENESS, (encoder) => {
      encoding.writeVarUint8Array(encoder, new Uint8Array([1, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 0x7b, 0x7d]))
    }),
  ]
  emptyDoc.destroy()
  return frames
}

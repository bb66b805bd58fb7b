/**
 * Helpers for the named attack suites (e2e/node/auth-attacks*.test.ts): a session with a user message and an agent
 * reply still streaming, forged updates built with real Yjs from the server's own state, and the checks that a
 * rejected attack left the stored transcript and the log untouched.
 */
import { expect } from 'vitest'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import type { AgentSession } from '../../client/agent/agent-session.ts'
import type { ReplyWriter } from '../../client/agent/reply-writer.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { decodeUpdateRejectedNotice, type UpdateRejectedNotice } from '../../shared/protocol/update-rejected-notice.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionFixtures } from './fixtures.ts'
import type { RawSessionSocket } from './raw-session-socket.ts'
import { fetchTranscript, tokenFor } from './test-tokens.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'

/** The text the agent has streamed when an attack starts. */
export const AGENT_TEXT = 'Hello from the agent.'

/** A live conversation: alice asked, agent-1 is streaming its reply. */
export interface Conversation {
  readonly alice: SessionClient
  readonly agent: AgentSession
  readonly reply: ReplyWriter
  readonly agentClientId: number
}

/** Starts the conversation and waits until alice sees the first part of the reply. */
export async function startConversation(
  fixtures: Pick<SessionFixtures, 'sessionId' | 'connectClient' | 'connectAgent'>,
): Promise<Conversation> {
  const { sessionId, connectClient, connectAgent } = fixtures
  const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
  await alice.waitForSynced()
  const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
  let started: ReplyWriter | undefined
  agent.onUserMessage((message) => {
    started = agent.startReply({ replyTo: message.id })
    started.append(AGENT_TEXT)
    started.flush()
  })
  alice.sendMessage('hi')
  await expect
    .poll(() => alice.messages().find((message) => message.role === 'assistant')?.text, { timeout: 5_000 })
    .toBe(AGENT_TEXT)
  await agent.client.waitUntilDurable()
  await alice.waitUntilDurable()
  return { alice, agent, reply: started as unknown as ReplyWriter, agentClientId: agent.client.doc.clientID }
}

/**
 * An update made with real Yjs: a replica of the server's state (from `raw`'s sync), optionally writing under
 * `clientId`, changed by `mutate`. Returns exactly the bytes of the change.
 */
export async function forgeUpdate(
  raw: RawSessionSocket,
  clientId: number | undefined,
  mutate: (doc: Y.Doc) => void,
): Promise<Uint8Array> {
  const { doc, update } = changeReplica(await raw.serverState(), mutate, clientId)
  doc.destroy()
  return update
}

/** A hand-encoded v1 update: one GC struct of `length` at `client`/`clock` and no deletes (8 bytes or so). */
export function encodeGcSquat(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1) // one client
  encoding.writeVarUint(encoder, 1) // one struct
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, clock)
  encoding.writeUint8(encoder, 0) // info 0: GC
  encoding.writeVarUint(encoder, length)
  encoding.writeVarUint(encoder, 0) // empty delete set
  return encoding.toUint8Array(encoder)
}

/** A hand-encoded v1 update that only deletes `client`'s clocks [clock, clock+len). */
export function encodeDeleteRange(client: number, clock: number, len: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0) // no structs
  encoding.writeVarUint(encoder, 1) // one client in the delete set
  encoding.writeVarUint(encoder, client)
  encoding.writeVarUint(encoder, 1) // one range
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarUint(encoder, len)
  return encoding.toUint8Array(encoder)
}

/**
 * Waits for the answer to the update just sent on `raw`: the refusal notices the server sent before its SyncStatus
 * (PROTOCOL.md §8.3) and whether it applied the update; a refused update is answered SyncStatus(false).
 */
export async function awaitAnswer(
  raw: RawSessionSocket,
): Promise<{ applied: boolean; notices: UpdateRejectedNotice[] }> {
  const seen = raw.frames.length
  const status = await raw.waitForFrame('sync-status', 10_000, (frame) => raw.frames.indexOf(frame) >= seen)
  const notices = raw.frames
    .slice(seen, raw.frames.indexOf(status))
    .flatMap((frame) => (frame.type === 'stateless' ? [decodeUpdateRejectedNotice(frame.payload)] : []))
    .filter((notice) => notice !== undefined)
  return { applied: status.applied, notices }
}

/** Waits for the in-band refusal (notice, SyncStatus(false), connection still open) and the security event naming `reason`. */
export async function expectRejected(
  raw: RawSessionSocket,
  events: readonly SecurityEvent[],
  sessionId: string,
  reason: string,
): Promise<void> {
  expect(await awaitAnswer(raw)).toEqual({
    applied: false,
    notices: [expect.objectContaining({ code: 'UPDATE_REJECTED', reason })],
  })
  await expect
    .poll(
      () =>
        events
          .filter((event) => event.sessionId === sessionId)
          .map((event) => [event.error.code, event.error.details.reason]),
      { timeout: 5_000 },
    )
    .toContainEqual(['UPDATE_REJECTED', reason])
  expect(raw.frames.some((frame) => frame.type === 'close-message')).toBe(false)
}

/** Waits for the close a refused awareness state ends its connection with (PROTOCOL.md §8.5) and the security event naming `reason`. */
export async function expectAwarenessRejected(
  raw: RawSessionSocket,
  events: readonly SecurityEvent[],
  sessionId: string,
  reason: string,
): Promise<void> {
  expect((await raw.waitForFrame('close-message')).reason).toBe('UPDATE_REJECTED')
  await expect
    .poll(
      () =>
        events
          .filter((event) => event.sessionId === sessionId)
          .map((event) => [event.kind, event.error.details.reason]),
      { timeout: 5_000 },
    )
    .toContainEqual(['awareness-rejected', reason])
}

/** The transcript the server stores, without fields that change by themselves (run heartbeats). */
export async function storedTranscript(server: SessionServer, sessionId: string): Promise<unknown> {
  const { status, body } = await fetchTranscript(server.url, sessionId, tokenFor('auditor', 'observer', sessionId))
  expect(status).toBe(200)
  return {
    messages: body.messages,
    steering: body.steering,
    runs: body.runs?.map(({ heartbeatAt: _heartbeat, ...run }) => run),
  }
}

/**
 * Checks that no log entry holds `attack` and that the stored session has no struct of `attackerClientIds`
 * and the same clock for the agent as its own replica.
 */
export async function expectLogClean(
  server: SessionServer,
  sessionId: string,
  attack: Uint8Array,
  checks: { agentClientId?: number; agentDoc?: Y.Doc; attackerClientIds?: readonly number[] } = {},
): Promise<void> {
  const entries = await server.updateLog.readSince(sessionId, 0)
  expect(entries.length).toBeGreaterThan(0)
  for (const entry of entries)
    expect(Buffer.from(entry.update).includes(Buffer.from(attack)), `log entry ${entry.seq} holds the attack`).toBe(
      false,
    )
  const { doc } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  for (const clientId of checks.attackerClientIds ?? []) expect(Y.getState(doc.store, clientId)).toBe(0)
  if (checks.agentClientId !== undefined && checks.agentDoc !== undefined) {
    expect(Y.getState(doc.store, checks.agentClientId)).toBe(Y.getState(checks.agentDoc.store, checks.agentClientId))
  }
  expect(doc.store.pendingStructs).toBeNull()
  expect(doc.store.pendingDs).toBeNull()
  doc.destroy()
}

/** The agent writes more and ends; alice must see exactly the agent's own text. */
export async function expectAgentStillWrites(conversation: Conversation, more = ' And more.'): Promise<void> {
  conversation.reply.append(more)
  await conversation.reply.end('done')
  await expect
    .poll(() => conversation.alice.messages().find((message) => message.role === 'assistant'), { timeout: 5_000 })
    .toMatchObject({ status: 'done', text: AGENT_TEXT + more })
}

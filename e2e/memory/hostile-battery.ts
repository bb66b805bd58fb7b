/**
 * A battery of hostile input against a running server (auth on, TEST_AUTH_SECRET), over real sockets: fuzzed frames
 * from many principals, connections to hundreds of new sessions, hundreds of principals asking for the whole session
 * again and again, users posting past their message rate, forged updates from the attack kit, oversized frames,
 * unauthenticated junk, HTTP fallback connections and HTTP appends. Everything it opens it closes; the caller then
 * waits for the server to go idle and reads its memory (e2e/node/hostile-memory.test.ts).
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { FALLBACK_PARAMS, FALLBACK_ROUTES } from '../../shared/protocol/http-fallback.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { createSeededRandom, type SeededRandom } from '../../shared/testing/seeded-random.ts'
import { encodeDeleteRange, encodeGcSquat } from '../testing/attack-kit.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { connectRawSession, encodeAwarenessState, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { captureFrameCorpus } from '../fuzz/frame-corpus.ts'
import { freshUserUpdateFrame, nextFuzzFrame } from '../fuzz/next-fuzz-frame.ts'
import { createSessionFollower } from '../fuzz/session-follower.ts'

/** Where to aim, and what makes this round's session ids and principals its own. */
export interface HostileBatteryOptions {
  readonly url: string
  readonly websocketUrl: string
  readonly round: number
  readonly seed: number
}

/** Sockets opened and frames sent, for the report. */
export interface HostileBatteryCounts {
  connections: number
  frames: number
}

const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())
/** Hocuspocus' Auth sub-type of a frame carrying a token. */
const AUTH_TOKEN = 0
/** One byte over the server's default frame cap. */
const OVERSIZED_FRAME_BYTES = 4 * 1024 * 1024 + 1

/** What every attack gets: where to aim, this round's names, and the counters. */
interface AttackContext {
  readonly options: HostileBatteryOptions
  readonly prefix: string
  /** The session with content that most attacks aim at. */
  readonly target: string
  readonly random: SeededRandom
  readonly counts: HostileBatteryCounts
  /** Opens an authenticated raw connection (Auth and an empty sync step 1 sent). */
  open(
    sessionId: string,
    principal: string,
    role: 'user' | 'agent' | 'observer',
    scope?: string,
  ): Promise<RawSessionSocket>
  send(raw: RawSessionSocket, frame: Uint8Array): void
  closeAll(sockets: readonly RawSessionSocket[]): Promise<void>
}

/** The attacks of the battery, in the order it runs them. */
export const HOSTILE_ATTACKS = {
  fuzz,
  newSessions,
  syncRepeats,
  messageFlood,
  forgedUpdates,
  unauthenticatedJunk,
  fallbackConnections,
  httpAppends,
} satisfies Record<string, (context: AttackContext) => Promise<void>>

/** The name of one attack. */
export type HostileAttack = keyof typeof HOSTILE_ATTACKS

/** Runs the attacks (default: all, in order) once; resolves when all their sockets and requests are closed. */
export async function runHostileBattery(
  options: HostileBatteryOptions,
  attacks: readonly HostileAttack[] = Object.keys(HOSTILE_ATTACKS) as HostileAttack[],
): Promise<HostileBatteryCounts> {
  const counts: HostileBatteryCounts = { connections: 0, frames: 0 }
  const prefix = `hostile-${options.round}`
  const context: AttackContext = {
    options,
    prefix,
    target: `${prefix}-target`,
    random: createSeededRandom(options.seed + options.round),
    counts,
    async open(sessionId, principal, role, scope = sessionId) {
      counts.connections++
      return await connectRawSession({ url: options.websocketUrl, sessionId, token: tokenFor(principal, role, scope) })
    },
    send(raw, frame) {
      counts.frames++
      raw.sendBytes(frame)
    },
    async closeAll(sockets) {
      for (const raw of sockets) raw.close()
      await Promise.all(sockets.map((raw) => raw.closed))
    },
  }
  // The target: a session with some content.
  const writer = await context.open(context.target, `${prefix}-writer`, 'user')
  context.send(
    writer,
    syncUpdateFrame(
      context.target,
      changeReplica(await writer.serverState(), (doc) => {
        appendMessage(doc, {
          id: `m_${prefix}`,
          role: 'user',
          author: `${prefix}-writer`,
          status: 'done',
          text: 'w'.repeat(40_000),
        })
      }).update,
    ),
  )
  await writer.waitForFrame('sync-status')
  await context.closeAll([writer])
  for (const attack of attacks) await HOSTILE_ATTACKS[attack](context)
  return counts
}

/** Hundreds of new sessions, each loaded and left. */
async function newSessions({ prefix, open, closeAll }: AttackContext): Promise<void> {
  for (let batch = 0; batch < 4; batch++) {
    await closeAll(
      await Promise.all(
        Array.from(
          { length: 50 },
          async (_, index) => await open(`${prefix}-new-${batch}-${index}`, `${prefix}-creator`, 'user', '*'),
        ),
      ),
    )
  }
}

/** Hundreds of principals asking for the whole session again and again; a few past their connection budget. */
async function syncRepeats({ prefix, target, open, send, closeAll }: AttackContext): Promise<void> {
  for (let batch = 0; batch < 4; batch++) {
    const askers = await Promise.all(
      Array.from(
        { length: 40 },
        async (_, index) => await open(target, `${prefix}-asker-${batch}-${index}`, 'observer'),
      ),
    )
    for (const raw of askers) for (let ask = 0; ask < 20; ask++) send(raw, syncStep1Frame(target, EMPTY_STATE_VECTOR))
    await closeAll(askers)
  }
  const greedy = await Promise.all(
    Array.from({ length: 3 }, async (_, index) => await open(target, `${prefix}-greedy-${index}`, 'observer')),
  )
  for (const raw of greedy) for (let ask = 0; ask < 500; ask++) send(raw, syncStep1Frame(target, EMPTY_STATE_VECTOR))
  await Promise.all(greedy.map((raw) => raw.closed))
}

/** Users posting past their message rate. */
async function messageFlood({ options, prefix, target, random, open, send }: AttackContext): Promise<void> {
  await Promise.all(
    Array.from({ length: 10 }, async (_, index) => {
      const principal = `${prefix}-poster-${index}`
      const raw = await open(target, principal, 'user')
      const follower = createSessionFollower()
      follower.receive(await raw.serverState())
      follower.catchUp()
      const poster = { clientId: 900_000 + options.round * 100 + index, clock: 0 }
      // Four times the message burst in one go: the server closes the connection with RATE_LIMITED part-way.
      for (let post = 0; post < 400; post++) {
        const { frame, clock } = freshUserUpdateFrame(random, follower, poster, target, principal)
        poster.clock = clock
        send(raw, frame)
      }
      await raw.closed
      follower.destroy()
    }),
  )
}

/** Forged updates and awareness (attack kit), and an oversized frame. */
async function forgedUpdates({ prefix, target, open, send, closeAll }: AttackContext): Promise<void> {
  const forgers = await Promise.all(
    Array.from({ length: 4 }, async (_, index) => await open(target, `${prefix}-forger-${index}`, 'user')),
  )
  const [squat, deletes, foreign, huge] = forgers as [
    RawSessionSocket,
    RawSessionSocket,
    RawSessionSocket,
    RawSessionSocket,
  ]
  send(squat, syncUpdateFrame(target, encodeGcSquat(1, 0, 1_000)))
  send(deletes, syncUpdateFrame(target, encodeDeleteRange(1, 0, 1_000)))
  foreign.sendAwareness(encodeAwarenessState(1, { member: { principalId: 'someone-else', role: 'user' } }))
  send(huge, new Uint8Array(OVERSIZED_FRAME_BYTES))
  await closeAll(forgers)
}

/** HTTP appends: replies started past the message rate, then a malformed one. */
async function httpAppends({ options, prefix, target }: AttackContext): Promise<void> {
  const token = tokenFor(`${prefix}-http-agent`, 'agent', target)
  for (let seq = 0; seq < 120; seq++) {
    const response = await postSessionCommands(options.url, target, {
      producerId: 'battery',
      epoch: 0,
      seq,
      token,
      commands: { type: 'start', messageId: `r_${prefix}_${seq}` },
    })
    await response.body?.cancel()
  }
  const malformed = await postSessionCommands(options.url, target, {
    producerId: 'battery',
    epoch: 0,
    seq: 0,
    token,
    commands: 'not a command',
  })
  await malformed.body?.cancel()
}

/** Fuzzed frames (captured, mutated, random, structured) from many principals in every role on a few sessions. */
async function fuzz({ options, prefix, random, counts }: AttackContext): Promise<void> {
  const corpusSession = `${prefix}-corpus`
  const corpus = await captureFrameCorpus({
    websocketUrl: options.websocketUrl,
    sessionId: corpusSession,
    tokens: {
      user: tokenFor('fuzz-user', 'user', corpusSession),
      agent: tokenFor('fuzz-agent', 'agent', corpusSession),
      observer: tokenFor('fuzz-observer', 'observer', corpusSession),
      otherSession: tokenFor('fuzz-user', 'user', `${prefix}-elsewhere`),
      expired: signToken(
        { ...createTokenClaims({ sub: 'fuzz-user', role: 'user', session: corpusSession }), exp: 1 },
        TEST_AUTH_SECRET,
      ),
    },
  })
  const roles = ['user', 'agent', 'observer'] as const
  for (let wave = 0; wave < 10; wave++) {
    const sockets = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        counts.connections++
        const sessionId = `${prefix}-fuzz-${index % 4}`
        return {
          sessionId,
          raw: await connectRawSession({
            url: options.websocketUrl,
            sessionId,
            token: tokenFor(`${prefix}-fuzzer-${wave}-${index}`, roles[index % 3] as (typeof roles)[number], sessionId),
          }),
        }
      }),
    )
    for (const { sessionId, raw } of sockets) {
      for (let index = 0; index < 64; index++) {
        counts.frames++
        raw.sendBytes(nextFuzzFrame(random, corpus, sessionId).frame)
      }
    }
    for (const { raw } of sockets) raw.close()
    await Promise.all(sockets.map(({ raw }) => raw.closed))
  }
}

/**
 * Frames for sessions a socket never authenticates for: Hocuspocus queues them (up to its own bounds) until the
 * socket authenticates for that session, which it never does, or goes.
 */
async function unauthenticatedJunk({ options, prefix, random, counts }: AttackContext): Promise<void> {
  const sockets = await Promise.all(
    Array.from({ length: 50 }, async (_, index) => {
      counts.connections++
      const sessionId = `${prefix}-junk-${index}`
      return await connectRawSession({
        url: options.websocketUrl,
        sessionId,
        token: tokenFor(`${prefix}-junk`, 'user', sessionId),
      })
    }),
  )
  for (const [index, raw] of sockets.entries()) {
    for (let frame = 0; frame < 40; frame++) {
      counts.frames++
      raw.sendBytes(
        syncStep1Frame(
          `${prefix}-junk-${index}-${frame % 5}`,
          Uint8Array.from({ length: random.int(0, 64) }, () => random.int(0, 255)),
        ),
      )
    }
    raw.close()
  }
  await Promise.all(sockets.map((raw) => raw.closed))
}

/** HTTP fallback connections that authenticate, ask for the session and are closed. */
async function fallbackConnections({ options, prefix, target, counts }: AttackContext): Promise<void> {
  await Promise.all(
    Array.from({ length: 50 }, async (_, index) => {
      counts.connections++
      const cid = `${prefix}-fallback-${index}`.padEnd(16, '0')
      const body = encoding.createEncoder()
      encoding.writeVarUint8Array(body, authFrame(target, tokenFor(`${prefix}-fallback-${index}`, 'user', target)))
      encoding.writeVarUint8Array(body, syncStep1Frame(target, EMPTY_STATE_VECTOR))
      const sent = await fetch(
        `${options.url}${FALLBACK_ROUTES.SEND}?${FALLBACK_PARAMS.CONNECTION_ID}=${cid}&${FALLBACK_PARAMS.SEQ}=1`,
        { method: 'POST', body: encoding.toUint8Array(body) },
      )
      await sent.body?.cancel()
      const closed = await fetch(`${options.url}${FALLBACK_ROUTES.CLOSE}?${FALLBACK_PARAMS.CONNECTION_ID}=${cid}`, {
        method: 'POST',
      })
      await closed.body?.cancel()
    }),
  )
}

function frameOf(sessionId: string, type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, sessionId)
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

function syncStep1Frame(sessionId: string, stateVector: Uint8Array): Uint8Array {
  return frameOf(sessionId, MESSAGE_TYPE.SYNC, (encoder) => {
    encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.STEP1)
    encoding.writeVarUint8Array(encoder, stateVector)
  })
}

function syncUpdateFrame(sessionId: string, update: Uint8Array): Uint8Array {
  return frameOf(sessionId, MESSAGE_TYPE.SYNC, (encoder) => {
    encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.UPDATE)
    encoding.writeVarUint8Array(encoder, update)
  })
}

function authFrame(sessionId: string, token: string): Uint8Array {
  return frameOf(sessionId, MESSAGE_TYPE.AUTH, (encoder) => {
    encoding.writeVarUint(encoder, AUTH_TOKEN)
    encoding.writeVarString(encoder, token)
  })
}

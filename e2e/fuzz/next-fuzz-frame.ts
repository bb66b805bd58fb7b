/**
 * The frame generator of the live-server fuzz: real captured frames as they are, mutated captured frames, random
 * bytes, and structurally plausible frames (a session id, any message type, garbage after it).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import * as Y from 'yjs'
import { appendMessage, appendSteer } from '../../shared/session/session-doc.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import type { SeededRandom } from '../../shared/testing/seeded-random.ts'
import { applyMutations, randomMutation } from './frame-mutation.ts'
import { listTailUpdate } from './list-tail-update.ts'
import type { SessionFollower } from './session-follower.ts'

/** Where a generated frame came from (counted in the fuzz summary). */
export type FuzzFrameKind = 'replayed' | 'mutated' | 'random' | 'structured' | 'fresh' | 'fresh-mutated'

/** The clientID a fuzz connection writes fresh updates with, and its clock as far as the server has accepted them. */
export interface FuzzWriter {
  readonly clientId: number
  clock: number
}

/**
 * A new, valid update by `principalId` (a user) appended to `session`, the worker's copy of the session: a message or
 * a steer under the worker's clientID, continuing at `writer.clock`, in a sync update frame. Built on the tail of the
 * list only (list-tail-update.ts), so its cost does not grow with the session. Returns the frame and the clientID's
 * clock after it (the caller advances `writer` when it sends the frame unchanged).
 */
export function freshUserUpdateFrame(
  random: SeededRandom,
  session: SessionFollower,
  writer: FuzzWriter,
  sessionId: string,
  principalId: string,
): { frame: Uint8Array; clock: number } {
  const asMessage = random.next() < 0.7
  const root = asMessage ? SESSION_ROOTS.MESSAGES : SESSION_ROOTS.STEERING
  // A fixed guid: a random one costs a call into the system's random source for every throwaway document.
  const doc = new Y.Doc({ guid: 'fuzz-fresh-update' })
  Y.applyUpdate(doc, listTailUpdate(session.lastEntry(root), root, writer))
  doc.clientID = writer.clientId
  const id = `fz_${writer.clientId}_${writer.clock}`
  let update: Uint8Array = new Uint8Array()
  doc.on('update', (written: Uint8Array) => {
    update = written
  })
  if (asMessage)
    appendMessage(doc, { id: `m_${id}`, role: 'user', author: principalId, status: 'done', text: `fuzz ${id}` })
  else appendSteer(doc, { id: `st_${id}`, kind: 'note', author: principalId, text: `fuzz ${id}` })
  const clock = Y.getState(doc.store, writer.clientId)
  doc.destroy()
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, sessionId)
  encoding.writeVarUint(encoder, MESSAGE_TYPE.SYNC)
  encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.UPDATE)
  encoding.writeVarUint8Array(encoder, update)
  return { frame: encoding.toUint8Array(encoder), clock }
}

/**
 * Draws the next frame; `fresh`, when given, makes a new valid update (about one frame in seven), sent as is or
 * mutated.
 */
export function nextFuzzFrame(
  random: SeededRandom,
  corpus: readonly Uint8Array[],
  sessionId: string,
  fresh?: () => Uint8Array,
): { kind: FuzzFrameKind; frame: Uint8Array } {
  if (fresh !== undefined && random.next() < 0.15) {
    const frame = fresh()
    if (random.next() < 0.4) return { kind: 'fresh', frame }
    return {
      kind: 'fresh-mutated',
      frame: applyMutations(
        frame,
        Array.from({ length: random.int(1, 2) }, () => randomMutation(random)),
      ),
    }
  }
  const roll = random.next()
  const pick = (): Uint8Array => corpus[random.int(0, corpus.length - 1)] as Uint8Array
  if (roll < 0.25) return { kind: 'replayed', frame: pick() }
  if (roll < 0.8) {
    const original = pick()
    const mutations = Array.from({ length: random.int(1, 3) }, () => randomMutation(random))
    // Most mutations keep the session id and message type intact, so they reach the message's own decoder.
    const header = random.next() < 0.7 ? headerLength(original) : 0
    const frame = new Uint8Array([
      ...original.subarray(0, header),
      ...applyMutations(original.subarray(header), mutations),
    ])
    return { kind: 'mutated', frame }
  }
  if (roll < 0.9) return { kind: 'random', frame: randomBytes(random, random.int(0, 48)) }
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, random.next() < 0.9 ? sessionId : `${sessionId}-${random.int(0, 9)}`)
  encoding.writeVarUint(encoder, random.next() < 0.8 ? random.int(0, 9) : random.int(0, 2 ** 31))
  if (random.next() < 0.5) encoding.writeVarUint(encoder, random.int(0, 3)) // a sync or auth sub-type
  encoding.writeUint8Array(encoder, randomBytes(random, random.int(0, 32)))
  return { kind: 'structured', frame: encoding.toUint8Array(encoder) }
}

/** Bytes of the session id and message type at the start of `frame` (0 when they do not decode). */
function headerLength(frame: Uint8Array): number {
  try {
    const decoder = decoding.createDecoder(frame)
    decoding.readVarString(decoder)
    decoding.readVarUint(decoder)
    return decoder.pos
  } catch {
    return 0 // reason: a crafted frame without a header is mutated whole
  }
}

function randomBytes(random: SeededRandom, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.int(0, 255))
}

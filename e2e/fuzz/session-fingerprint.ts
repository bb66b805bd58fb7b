/**
 * What "the same session" means for the fuzz: the same Yjs snapshot (state vector and delete set) and the same
 * transcript. Compared between the live document and a replay of the stored log, and across a restart.
 */
import * as Y from 'yjs'
import { readTranscript } from '../../shared/session/session-doc.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'

/** A comparable summary of a session document. */
export interface SessionFingerprint {
  readonly snapshot: Uint8Array
  readonly transcript: string
}

/** The fingerprint of `doc`. */
function fingerprintOf(sessionId: string, doc: Y.Doc): SessionFingerprint {
  return { snapshot: Y.encodeSnapshot(Y.snapshot(doc)), transcript: JSON.stringify(readTranscript(sessionId, doc)) }
}

/** True when both fingerprints describe the same session. */
export function sameFingerprint(a: SessionFingerprint, b: SessionFingerprint): boolean {
  return a.transcript === b.transcript && Y.equalSnapshots(Y.decodeSnapshot(a.snapshot), Y.decodeSnapshot(b.snapshot))
}

/** The fingerprint of the session replayed from `server`'s log (snapshot plus tail). */
export async function storedFingerprint(server: SessionServer, sessionId: string): Promise<SessionFingerprint> {
  const { doc } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  const fingerprint = fingerprintOf(sessionId, doc)
  doc.destroy()
  return fingerprint
}

/** The fingerprint of the session as `server` holds it live, or undefined when it is not loaded. */
export function liveFingerprint(server: SessionServer, sessionId: string): SessionFingerprint | undefined {
  const doc = server.hocuspocus.documents.get(sessionId)
  return doc === undefined ? undefined : fingerprintOf(sessionId, doc)
}

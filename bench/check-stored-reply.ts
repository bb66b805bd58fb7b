/**
 * checkStoredReply: proves a run persisted what it claims — rebuilds the session from its UpdateLog alone and
 * compares the assistant reply's text with the expected token text.
 */
import { applyStoredSession } from '../server/persistence/load-session-doc.ts'
import type { UpdateLog } from '../server/persistence/update-log.ts'
import { readMessages } from '../shared/session/session-doc.ts'

/** @throws Error when the stored session has no assistant reply with exactly `expected` as its text */
export async function checkStoredReply(log: UpdateLog, sessionId: string, expected: string): Promise<void> {
  const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
  try {
    const reply = readMessages(doc).find((message) => message.role === 'assistant')
    if (reply?.text !== expected) {
      throw new Error(
        `session ${sessionId}: stored reply has ${reply?.text.length ?? 'no'} characters, expected ${expected.length}`,
      )
    }
  } finally {
    doc.destroy()
  }
}

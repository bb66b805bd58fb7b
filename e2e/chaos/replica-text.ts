/**
 * Checks shared by the kill -9 harnesses (one node, and scale-out failover): the assistant reply of a replica or of
 * storage, read as numbered tokens, so a lost or repeated token shows.
 */
import * as Y from 'yjs'
import type { SessionClient } from '../../client/core/session-client.ts'
import { readTranscript } from '../../shared/session/session-doc.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { UpdateLog } from '../../server/persistence/update-log.ts'

/** The assistant reply's text in `client`'s replica. */
export function textOf(client: SessionClient): string {
  return client.messages().find((message) => message.role === 'assistant')?.text ?? ''
}

/** The assistant reply's text in storage, read through a fresh UpdateLog. */
export async function storedText(openLog: () => Promise<UpdateLog>, sessionId: string): Promise<string> {
  const updateLog = await openLog()
  try {
    const { doc } = applyStoredSession(sessionId, await updateLog.load(sessionId), new Y.Doc())
    return readTranscript(sessionId, doc).messages.find((message) => message.role === 'assistant')?.text ?? ''
  } finally {
    await updateLog.close()
  }
}

/** Resolves once `client` shows exactly `expected` (60 s at most). */
export function waitForText(client: SessionClient, expected: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('change', check)
      reject(new Error(`viewer did not converge: ${textOf(client).length}/${expected.length} chars`))
    }, 60_000)
    const check = (): void => {
      if (textOf(client) !== expected) return
      clearTimeout(timer)
      client.off('change', check)
      resolve()
    }
    client.on('change', check)
    check()
  })
}

function tokensOf(text: string): string[] {
  return text.split(' ').filter((token) => token !== '')
}

/** Tokens in `text`. */
export function countTokens(text: string): number {
  return tokensOf(text).length
}

/** Tokens of `ackedText` missing from `stored`. */
export function countMissing(ackedText: string, stored: string): number {
  const storedTokens = new Set(tokensOf(stored))
  return tokensOf(ackedText).filter((token) => !storedTokens.has(token)).length
}

/** Extra copies of tokens in `text`. */
export function countDuplicates(text: string): number {
  const tokens = tokensOf(text)
  return tokens.length - new Set(tokens).size
}

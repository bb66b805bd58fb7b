/**
 * benchHistory: the earlier messages of a long conversation, written into a bench session before its page opens, so
 * the token-to-paint measurement also runs where the page holds hundreds of messages. Questions and answers
 * alternate (the first a question); each holds HISTORY_MESSAGE_TOKENS numbered tokens and is done.
 */
import { expectedText } from '../../shared/testing/token-stream.ts'

/** Tokens of each earlier message: about a paragraph (550 characters). */
const HISTORY_MESSAGE_TOKENS = 100

/** One earlier message. */
export interface HistoryMessage {
  readonly id: string
  readonly role: 'user' | 'assistant'
  readonly text: string
}

/** The `count` earlier messages, oldest first. */
export function benchHistory(count: number): HistoryMessage[] {
  const text = expectedText(HISTORY_MESSAGE_TOKENS)
  return Array.from({ length: count }, (_, index) => ({
    id: `history-${index}`,
    role: index % 2 === 0 ? 'user' : 'assistant',
    text,
  }))
}

/** How many of the `count` earlier messages are replies (the page's reply count before a new reply). */
export function historyReplies(count: number): number {
  return Math.floor(count / 2)
}

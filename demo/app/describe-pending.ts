/**
 * describePending: what the connection badge says about entries not sent yet, e.g. "3 messages" or
 * "1 message and 1 steering request".
 */
import type { PendingEntry } from '../../client/core/delivery-tracker.ts'

const counted = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`

/** A short English phrase counting `entries` by kind; empty when there are none. */
export function describePending(entries: readonly PendingEntry[]): string {
  const messages = entries.filter((entry) => entry.kind === 'message').length
  const steers = entries.length - messages
  return [messages > 0 ? counted(messages, 'message') : '', steers > 0 ? counted(steers, 'steering request') : '']
    .filter((part) => part !== '')
    .join(' and ')
}

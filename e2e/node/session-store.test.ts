/**
 * The framework-neutral session store over a real client: snapshots keep their identity until the session
 * changes, listeners hear every change, and unsubscribing detaches from the client.
 */
import { describe, expect } from 'vitest'
import { createSessionStore } from '../../client/core/session-store.ts'
import { test } from '../testing/fixtures.ts'

describe('createSessionStore', () => {
  test('returns a stable snapshot until the session changes, then a new one', async ({ connectClient }) => {
    const client = connectClient()
    const store = createSessionStore(client)
    let notified = 0
    const unsubscribe = store.subscribe(() => {
      notified++
    })
    await client.waitForSynced()
    const before = store.getSnapshot()
    expect(store.getSnapshot()).toBe(before)
    expect(before.status).toBe('synced')
    client.sendMessage('hi')
    const after = store.getSnapshot()
    expect(after).not.toBe(before)
    expect(after.messages.map((message) => message.text)).toEqual(['hi'])
    expect(notified).toBeGreaterThan(0)
    unsubscribe()
    const seen = notified
    client.sendMessage('unheard')
    expect(notified).toBe(seen)
  })
})

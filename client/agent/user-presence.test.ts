/**
 * The grace period of watchUserPresence under fake timers: `user-left` comes exactly `graceMs` after a user's last
 * device left, never earlier, not at all when a device of theirs comes back within it (a page refresh), and
 * `user-returned` follows a return after it. The device list is driven by hand; a real server's presence is
 * covered in e2e/node/presence.test.ts and e2e/node/silent-device.test.ts.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import type { PresenceMember } from '../core/presence.ts'
import { type PresenceSource, type UserPresenceEvent, watchUserPresence } from './user-presence.ts'

const GRACE_MS = 1_500

/** A presence source whose device list the test sets. */
function presenceSource(): PresenceSource & { set(...devices: string[]): void; listenerCount(): number } {
  let members: PresenceMember[] = []
  const listeners = new Set<(members: PresenceMember[]) => void>()
  return {
    on(_event: 'presence', listener: (members: PresenceMember[]) => void) {
      listeners.add(listener)
    },
    off(_event: 'presence', listener: (members: PresenceMember[]) => void) {
      listeners.delete(listener)
    },
    presence: () => members,
    listenerCount: () => listeners.size,
    /** Sets the devices present, as `principalId/device` of users, and tells the listeners. */
    set(...devices: string[]) {
      members = devices.map((entry, index) => {
        const [principalId = '', device = ''] = entry.split('/')
        return { clientId: index + 1, principalId, role: 'user', device, self: false }
      })
      for (const listener of listeners) listener(members)
    },
  }
}

describe('watchUserPresence', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  test('user-left comes graceMs after the last device left, not one ms earlier', () => {
    const source = presenceSource()
    const events: UserPresenceEvent[] = []
    source.set('alice/laptop', 'alice/phone')
    watchUserPresence(source, (event) => events.push(event), GRACE_MS)
    source.set('alice/laptop')
    vi.advanceTimersByTime(GRACE_MS)
    expect(events).toEqual([])
    source.set()
    vi.advanceTimersByTime(GRACE_MS - 1)
    expect(events).toEqual([])
    vi.advanceTimersByTime(1)
    expect(events).toEqual([{ type: 'user-left', principalId: 'alice', presentUsers: [] }])
  })

  test('a device back within the grace (a refresh) cancels user-left; one back after it is user-returned', () => {
    const source = presenceSource()
    const events: string[] = []
    source.set('alice/laptop', 'bob/phone')
    watchUserPresence(source, (event) => events.push(`${event.type}:${event.principalId}`), GRACE_MS)
    source.set('bob/phone')
    vi.advanceTimersByTime(GRACE_MS - 1)
    source.set('alice/laptop', 'bob/phone')
    vi.advanceTimersByTime(GRACE_MS * 2)
    expect(events).toEqual([])
    source.set('alice/laptop')
    vi.advanceTimersByTime(GRACE_MS)
    expect(events).toEqual(['user-left:bob'])
    source.set('alice/laptop', 'bob/tablet')
    expect(events).toEqual(['user-left:bob', 'user-returned:bob'])
  })

  test('stopping the watch removes its listener and its pending timers', () => {
    const source = presenceSource()
    const events: UserPresenceEvent[] = []
    source.set('alice/laptop')
    const stop = watchUserPresence(source, (event) => events.push(event), GRACE_MS)
    source.set()
    stop()
    vi.advanceTimersByTime(GRACE_MS * 2)
    expect(events).toEqual([])
    expect(source.listenerCount()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})

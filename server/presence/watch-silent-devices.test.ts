/**
 * Silent devices leave a session's awareness on time (PROTOCOL.md §8.5): real y-protocols awareness instances, the
 * server's fed with the devices' encoded updates as the transport would, and fake timers with the clock they move.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { watchSilentDevices } from './watch-silent-devices.ts'

const TIMEOUT_MS = 1_000

/** A device's awareness, announcing `member`. */
function device(principalId: string): Awareness {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalStateField('member', { principalId, role: 'user' })
  return awareness
}

/** Sends the device's current state to `server`, as a heartbeat or first announcement does. */
function announce(from: Awareness, server: Awareness): void {
  from.setLocalState(from.getLocalState())
  applyAwarenessUpdate(server, encodeAwarenessUpdate(from, [from.clientID]), 'connection')
}

describe('watchSilentDevices', () => {
  let server: Awareness
  let stop: () => void
  const expired: number[][] = []

  beforeEach(() => {
    vi.useFakeTimers()
    server = new Awareness(new Y.Doc())
    server.setLocalState(null)
    expired.length = 0
    stop = watchSilentDevices(server, {
      timeoutMs: TIMEOUT_MS,
      onExpired: (clientIds) => {
        expired.push([...clientIds])
      },
    })
  })

  afterEach(() => {
    stop()
    server.destroy()
    vi.useRealTimers()
  })

  it('drops a device exactly when it has renewed nothing for the timeout, and keeps one that renews', () => {
    const frozen = device('alice')
    const live = device('bob')
    announce(frozen, server)
    announce(live, server)
    for (let step = 0; step < 4; step += 1) {
      vi.advanceTimersByTime(TIMEOUT_MS / 4 - 1)
      announce(live, server)
      vi.advanceTimersByTime(1)
    }
    // The frozen device's last state is TIMEOUT_MS old now; the live one renewed 1 ms ago.
    expect([...server.getStates().keys()]).toEqual([live.clientID])
    expect(expired).toEqual([[frozen.clientID]])
    vi.advanceTimersByTime(TIMEOUT_MS - 2)
    expect(server.getStates().has(live.clientID)).toBe(true)
    vi.advanceTimersByTime(1)
    expect(server.getStates().size).toBe(0)
  })

  it('is not early: a device is kept until the last millisecond of its timeout', () => {
    const alice = device('alice')
    announce(alice, server)
    vi.advanceTimersByTime(TIMEOUT_MS - 1)
    expect(server.getStates().has(alice.clientID)).toBe(true)
    vi.advanceTimersByTime(1)
    expect(server.getStates().has(alice.clientID)).toBe(false)
  })

  it('broadcasts the removal: a peer applying it drops the device too', () => {
    const alice = device('alice')
    const peer = new Awareness(new Y.Doc())
    type Change = { added: number[]; updated: number[]; removed: number[] }
    server.on('update', ({ added, updated, removed }: Change, origin: unknown) => {
      if (origin === 'connection') return
      applyAwarenessUpdate(peer, encodeAwarenessUpdate(server, [...added, ...updated, ...removed]), 'server')
    })
    announce(alice, server)
    applyAwarenessUpdate(peer, encodeAwarenessUpdate(server, [alice.clientID]), 'server')
    expect(peer.getStates().has(alice.clientID)).toBe(true)
    vi.advanceTimersByTime(TIMEOUT_MS)
    expect(peer.getStates().has(alice.clientID)).toBe(false)
    peer.destroy()
  })

  it('takes back a device that renews after it was dropped (a frozen tab that resumes)', () => {
    const alice = device('alice')
    announce(alice, server)
    vi.advanceTimersByTime(TIMEOUT_MS)
    expect(server.getStates().has(alice.clientID)).toBe(false)
    announce(alice, server)
    expect(server.getStates().has(alice.clientID)).toBe(true)
    vi.advanceTimersByTime(TIMEOUT_MS - 1)
    expect(server.getStates().has(alice.clientID)).toBe(true)
    vi.advanceTimersByTime(1)
    expect(expired).toEqual([[alice.clientID], [alice.clientID]])
  })

  it('removes nothing once stopped', () => {
    const alice = device('alice')
    announce(alice, server)
    stop()
    vi.advanceTimersByTime(TIMEOUT_MS * 2)
    expect(server.getStates().has(alice.clientID)).toBe(true)
  })
})

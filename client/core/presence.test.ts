/**
 * Presence grouped by person (groupPresenceByPerson): devices of one principal under one person, named from the
 * session's `people` entries, agents marked, this client's principal first.
 */
import { describe, expect, it } from 'vitest'
import { groupPresenceByPerson, type PresenceMember } from './presence.ts'

const device = (clientId: number, principalId: string, extra: Partial<PresenceMember> = {}): PresenceMember => ({
  clientId,
  principalId,
  role: 'user',
  self: false,
  ...extra,
})

describe('groupPresenceByPerson', () => {
  it('groups devices by principal, names people, marks agents and puts this client first', () => {
    const members = [
      device(1, 'bob', { device: 'phone' }),
      device(2, 'writer', { role: 'agent' }),
      device(3, 'alice', { device: 'phone' }),
      device(4, 'alice', { device: 'laptop', self: true }),
      device(5, 'bob', { device: 'laptop' }),
      device(6, 'carol'),
    ]
    const people = [
      { principalId: 'alice', name: 'Ada Lovelace', setAt: 1 },
      { principalId: 'bob', name: 'Zed Bob', setAt: 2 },
      { principalId: 'writer', name: 'Writer Bot', setAt: 3 },
      { principalId: 'gone', name: 'Not Here', setAt: 4 },
    ]
    const grouped = groupPresenceByPerson(members, people, 'alice')
    expect(
      grouped.map(({ principalId, name, initials, role, isAgent, self, devices }) => ({
        principalId,
        name,
        initials,
        role,
        isAgent,
        self,
        devices: devices.map((member) => member.clientId),
      })),
    ).toEqual([
      {
        principalId: 'alice',
        name: 'Ada Lovelace',
        initials: 'AL',
        role: 'user',
        isAgent: false,
        self: true,
        devices: [4, 3],
      },
      { principalId: 'carol', name: 'carol', initials: 'C', role: 'user', isAgent: false, self: false, devices: [6] },
      {
        principalId: 'bob',
        name: 'Zed Bob',
        initials: 'ZB',
        role: 'user',
        isAgent: false,
        self: false,
        devices: [5, 1],
      },
      {
        principalId: 'writer',
        name: 'Writer Bot',
        initials: 'WB',
        role: 'agent',
        isAgent: true,
        self: false,
        devices: [2],
      },
    ])
  })

  it('is empty when nobody is connected, whoever has a name', () => {
    expect(groupPresenceByPerson([], [{ principalId: 'alice', name: 'Ada', setAt: 1 }], 'alice')).toEqual([])
  })
})

/**
 * Display names and initials (shared/session/display-name.ts): what is stored, what is refused, and the letters
 * every client shows for a person.
 */
import { describe, expect, it } from 'vitest'
import { isDisplayName, normalizeDisplayName, personInitials } from './display-name.ts'
import { checkEntry } from './check-entry.ts'
import { MAX_DISPLAY_NAME_CHARS } from './session-schema.ts'

describe('personInitials', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['ada', 'A'],
    ['Grace Brewster Murray Hopper', 'GH'],
    ['ada.lovelace', 'AL'],
    ['agent-1', 'A1'],
    ['  émile   zola ', 'ÉZ'],
    ['李小龙', '李'],
    ['(bob)', 'B'],
    ['ada@example', 'AE'],
    ['🎉', '?'],
    ['', '?'],
  ])('%j → %j', (name, initials) => {
    expect(personInitials(name)).toBe(initials)
  })
})

describe('display names', () => {
  it('stores a name with white space collapsed and trimmed', () => {
    expect(normalizeDisplayName('  Ada \n  Lovelace ')).toBe('Ada Lovelace')
    expect(normalizeDisplayName('x'.repeat(MAX_DISPLAY_NAME_CHARS))).toHaveLength(MAX_DISPLAY_NAME_CHARS)
  })

  it('refuses empty, over-long and control-character names', () => {
    expect(normalizeDisplayName('   ')).toBeUndefined()
    expect(normalizeDisplayName('x'.repeat(MAX_DISPLAY_NAME_CHARS + 1))).toBeUndefined()
    expect(normalizeDisplayName('Ada\u0000')).toBeUndefined()
    expect(normalizeDisplayName('Ada\u202e')).toBe('Ada\u202e')
    expect(isDisplayName(' Ada')).toBe(false)
    expect(isDisplayName('Ada\u0007')).toBe(false)
    expect(isDisplayName('Ada Lovelace')).toBe(true)
  })

  it('a people entry fits only as { name, setAt } with a valid name', () => {
    expect(checkEntry('people', { name: 'Ada', setAt: 1 })).toBeUndefined()
    expect(checkEntry('people', { name: '', setAt: 1 })?.path).toEqual(['name'])
    expect(checkEntry('people', { name: 'x'.repeat(MAX_DISPLAY_NAME_CHARS + 1), setAt: 1 })?.path).toEqual(['name'])
    expect(checkEntry('people', { name: 'Ada' })?.path).toEqual(['setAt'])
    expect(checkEntry('people', 'Ada')?.path).toEqual([])
  })
})

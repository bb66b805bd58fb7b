/**
 * Session ids: which strings parseSessionId accepts, the INVALID_SESSION_ID error for the rest, and the shape and
 * uniqueness of generated ids.
 */
import { describe, expect, it } from 'vitest'
import { isSessionError } from '../errors/session-error.ts'
import { createRandomId, createSessionId, isSessionId, parseSessionId, SESSION_ID_PATTERN } from './session-id.ts'

describe('parseSessionId', () => {
  const valid = ['a', 'Z', '0', 's_abc123', 'with-dash_and_underscore', 'A'.repeat(128), 'test-1-2-3']

  it.each(valid)('accepts %s', (value) => {
    expect(parseSessionId(value)).toBe(value)
    expect(isSessionId(value)).toBe(true)
  })

  const invalid: Array<[string, unknown]> = [
    ['the empty string', ''],
    ['129 characters', 'A'.repeat(129)],
    ['a space', 'has space'],
    ['a slash', 'a/b'],
    ['a dot', 'a.b'],
    ['dot-dot', '..'],
    ['a percent escape', 'a%20b'],
    ['a trailing newline', 'abc\n'],
    ['a non-ASCII letter', 'café'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['an object', { id: 'abc' }],
  ]

  it.each(invalid)('rejects %s with INVALID_SESSION_ID', (_label, value) => {
    expect(isSessionId(value)).toBe(false)
    let caught: unknown
    try {
      parseSessionId(value)
    } catch (error) {
      caught = error
    }
    expect(isSessionError(caught)).toBe(true)
    if (!isSessionError(caught)) return
    expect(caught.code).toBe('INVALID_SESSION_ID')
    expect(caught.details).toEqual({ sessionId: value })
    expect(caught.httpStatus).toBe(400)
  })
})

describe('createSessionId', () => {
  it('creates ids of s_ plus 20 base-36 characters that parse', () => {
    for (let index = 0; index < 100; index++) {
      const id = createSessionId()
      expect(id).toMatch(/^s_[0-9a-z]{20}$/)
      expect(SESSION_ID_PATTERN.test(id)).toBe(true)
      expect(parseSessionId(id)).toBe(id)
    }
  })

  it('does not repeat over many calls', () => {
    const count = 20_000
    const ids = new Set(Array.from({ length: count }, () => createSessionId()))
    expect(ids.size).toBe(count)
  })
})

describe('createRandomId', () => {
  it('returns the requested number of base-36 characters', () => {
    expect(createRandomId()).toMatch(/^[0-9a-z]{16}$/)
    expect(createRandomId(1)).toMatch(/^[0-9a-z]$/)
    expect(createRandomId(64)).toMatch(/^[0-9a-z]{64}$/)
  })

  it('uses every base-36 character', () => {
    const seen = new Set(createRandomId(4_096))
    expect(seen.size).toBe(36)
  })
})

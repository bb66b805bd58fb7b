/**
 * SessionError: wire round trip for every code, predicate across module copies, garbage bodies, and transport
 * properties read from the ERROR_CODES table.
 */
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes.ts'
import { fromWireError, isSessionError, SessionError, toWireError } from './session-error.ts'

const CODES = Object.keys(ERROR_CODES) as ErrorCode[]

describe('toWireError / fromWireError', () => {
  it.each(CODES)('round-trips %s through JSON', (code) => {
    const details = { sessionId: 's-1', seq: 7, nested: { list: [1, 'two'] } }
    const original = new SessionError(code, `failure ${code}`, { details })
    const wire = JSON.parse(JSON.stringify(toWireError(original))) as unknown
    expect(wire).toEqual({ code, message: `failure ${code}`, details })
    for (const body of [wire, { error: wire }]) {
      const rebuilt = fromWireError(body)
      expect(isSessionError(rebuilt)).toBe(true)
      expect(rebuilt).toBeInstanceOf(SessionError)
      expect(rebuilt.code).toBe(code)
      expect(rebuilt.message).toBe(`failure ${code}`)
      expect(rebuilt.details).toEqual(details)
      expect(toWireError(rebuilt)).toEqual(toWireError(original))
    }
  })

  it('sends empty details when none were given', () => {
    expect(toWireError(new SessionError('TIMEOUT', 'slow'))).toEqual({ code: 'TIMEOUT', message: 'slow', details: {} })
  })

  it('uses the code as message and empty details when those fields are missing or malformed', () => {
    const rebuilt = fromWireError({ error: { code: 'FORBIDDEN', message: 42, details: 'nope' } })
    expect(rebuilt.code).toBe('FORBIDDEN')
    expect(rebuilt.message).toBe('FORBIDDEN')
    expect(rebuilt.details).toEqual({})
  })

  const garbage: Array<[string, unknown]> = [
    ['null', null],
    ['undefined', undefined],
    ['a string', 'UNAUTHORIZED'],
    ['a number', 401],
    ['an array', ['UNAUTHORIZED']],
    ['an empty object', {}],
    ['an unknown code', { code: 'NOT_A_CODE', message: 'x' }],
    ['a lower-case code', { error: { code: 'unauthorized', message: 'x' } }],
    ['an inherited property name', { code: 'toString', message: 'x' }],
    ['a prototype key', { code: '__proto__', message: 'x' }],
    ['an error field that is not an object', { error: 'boom' }],
    ['a null error field', { error: null }],
  ]

  it.each(garbage)('turns %s into BAD_REQUEST carrying the raw body', (_label, body) => {
    const rebuilt = fromWireError(body)
    expect(isSessionError(rebuilt)).toBe(true)
    expect(rebuilt.code).toBe('BAD_REQUEST')
    expect(rebuilt.details).toEqual({ body })
    expect(rebuilt.retryable).toBe(false)
  })
})

describe('isSessionError', () => {
  it('recognises SessionErrors, including ones marked by another copy of the module', () => {
    expect(isSessionError(new SessionError('UNAUTHORIZED', 'no'))).toBe(true)
    const foreign = Object.assign(new Error('copy'), {
      [Symbol.for('lifeline.session-error')]: true,
      code: 'UNAUTHORIZED',
    })
    expect(isSessionError(foreign)).toBe(true)
  })

  it('rejects everything else', () => {
    const lookalike = Object.assign(new Error('x'), { name: 'SessionError', code: 'UNAUTHORIZED', details: {} })
    for (const value of [
      new Error('plain'),
      lookalike,
      { code: 'UNAUTHORIZED' },
      null,
      undefined,
      'SessionError',
      0,
      toWireError(new SessionError('TIMEOUT', 't')),
    ]) {
      expect(isSessionError(value), String(value)).toBe(false)
    }
  })
})

describe('SessionError', () => {
  it.each(CODES)('takes retryable, httpStatus and closeCode of %s from ERROR_CODES', (code) => {
    const error = new SessionError(code, 'x')
    expect({ retryable: error.retryable, httpStatus: error.httpStatus, closeCode: error.closeCode }).toEqual(
      ERROR_CODES[code],
    )
  })

  it('is an Error named SessionError that keeps its cause', () => {
    const cause = new Error('disk full')
    const error = new SessionError('PERSISTENCE_FAILED', 'append failed', { cause, details: { sessionId: 's' } })
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('SessionError')
    expect(error.cause).toBe(cause)
    expect(error.details).toEqual({ sessionId: 's' })
    expect('cause' in new SessionError('TIMEOUT', 'no cause')).toBe(false)
  })

  it('lists only codes whose table entry has valid transport values', () => {
    for (const code of CODES) {
      expect(isErrorCode(code)).toBe(true)
      const info = ERROR_CODES[code]
      expect(info.httpStatus, code).toBeGreaterThanOrEqual(400)
      expect(info.httpStatus, code).toBeLessThan(600)
      // WebSocket close codes: 1000–1015 are protocol-defined, 4000–4999 are for applications.
      expect(
        info.closeCode === 1009 || (info.closeCode >= 4000 && info.closeCode <= 4999),
        `${code} close code ${info.closeCode}`,
      ).toBe(true)
    }
  })
})

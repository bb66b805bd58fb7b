/**
 * The policy's shared rules (PROTOCOL.md §8.8): the hold-back cut of streaming writers, span validation and applying
 * a redaction.
 */
import { describe, expect, it } from 'vitest'
import {
  applyPolicySpans,
  areValidPolicySpans,
  POLICY_HOLD_BACK_CHARS,
  policySendableLength,
} from './message-policy.ts'

describe('policySendableLength', () => {
  it('holds back only the trailing word, which the next token may continue, and sends everything when done', () => {
    expect(policySendableLength('lorem ipsum dol', false)).toBe('lorem ipsum'.length)
    expect(policySendableLength('write to alice@exa', false)).toBe('write to'.length)
    expect(policySendableLength('lorem ipsum ', false)).toBe('lorem ipsum'.length)
    expect(policySendableLength('lorem ipsum dol', true)).toBe('lorem ipsum dol'.length)
    expect(policySendableLength('lorem ipsum dol', false, 0)).toBe('lorem ipsum dol'.length)
  })

  it('holds back a number written in groups with the word it ends in', () => {
    for (const text of ['call +1 (555) 123-45', 'call +1 (555) 123 ', 'call 030 1234 5678'])
      expect(text.slice(policySendableLength(text, false))).toBe(text.slice('call'.length))
  })

  it('never holds back more than the hold-back, cutting at whitespace when it can', () => {
    const text = `${'a '.repeat(40)}${'x'.repeat(10)} ${'1 '.repeat(40)}`
    const cut = policySendableLength(text, false)
    expect(text.length - cut).toBeLessThanOrEqual(2 * POLICY_HOLD_BACK_CHARS)
    expect(text[cut - 1]).toBe(' ')
    const long = 'y'.repeat(10 * POLICY_HOLD_BACK_CHARS)
    expect(policySendableLength(long, false)).toBe(long.length - 2 * POLICY_HOLD_BACK_CHARS)
  })
})

describe('policy spans', () => {
  it('applies sorted spans', () => {
    const spans = [
      { start: 0, end: 5, replacement: 'X' },
      { start: 6, end: 11, replacement: 'YY' },
    ]
    expect(areValidPolicySpans(spans, 11)).toBe(true)
    expect(applyPolicySpans('hello world', spans)).toBe('X YY')
  })

  it.each([
    ['not a list', {}],
    ['out of range', [{ start: 0, end: 12, replacement: '' }]],
    ['empty', [{ start: 3, end: 3, replacement: '' }]],
    [
      'unsorted',
      [
        { start: 5, end: 6, replacement: '' },
        { start: 0, end: 1, replacement: '' },
      ],
    ],
    [
      'overlapping',
      [
        { start: 0, end: 5, replacement: '' },
        { start: 4, end: 6, replacement: '' },
      ],
    ],
    ['a replacement that is no string', [{ start: 0, end: 1, replacement: 7 }]],
    ['fractional bounds', [{ start: 0.5, end: 1, replacement: '' }]],
  ])('refuses spans %s', (_label, spans) => {
    expect(areValidPolicySpans(spans, 11)).toBe(false)
  })
})

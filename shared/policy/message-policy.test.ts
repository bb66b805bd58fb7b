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
  it('holds back everything shorter than the hold-back and sends everything when done', () => {
    const text = 'x'.repeat(POLICY_HOLD_BACK_CHARS)
    expect(policySendableLength(text, false)).toBe(0)
    expect(policySendableLength(text, true)).toBe(text.length)
  })

  it('cuts at the whitespace before the word the hold-back point falls in', () => {
    const head = `${'a '.repeat(40)}write to `
    const text = `${head}alice@example.com${' '.repeat(POLICY_HOLD_BACK_CHARS - 5)}`
    const cut = policySendableLength(text, false)
    expect(cut).toBe(head.length)
    expect(text.slice(cut)).toMatch(/^alice@example\.com/)
  })

  it('bounds the hold-back when no whitespace is near', () => {
    const text = 'y'.repeat(10 * POLICY_HOLD_BACK_CHARS)
    expect(policySendableLength(text, false)).toBe(text.length - 2 * POLICY_HOLD_BACK_CHARS)
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

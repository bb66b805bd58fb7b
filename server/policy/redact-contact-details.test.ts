/**
 * The example redactor's patterns (PROTOCOL.md §8.8): e-mail addresses and phone numbers in the usual shapes are
 * replaced, look-alikes (dates, prices, short numbers, a lone @) are not, and a match that began in the context is
 * redacted from the run's start.
 */
import { describe, expect, it } from 'vitest'
import { applyPolicySpans } from '../../shared/policy/message-policy.ts'
import { redactContactDetails } from './redact-contact-details.ts'

function redacted(text: string, context = ''): string {
  const decision = redactContactDetails({ text, context })
  return decision.action === 'redact' ? applyPolicySpans(text, decision.spans) : text
}

describe('redactContactDetails', () => {
  it.each([
    ['mail alice@example.com now', 'mail [email] now'],
    ['a.b-c+tag@mail.example.co.uk.', '[email].'],
    ['call +1 (555) 123-4567 today', 'call [phone] today'],
    ['call 555-123-4567', 'call [phone]'],
    ['ring +44 20 7946 0958', 'ring [phone]'],
    ['dial 0170.1234567!', 'dial [phone]!'],
    ['two: bob@x.io and +49 30 1234 5678', 'two: [email] and [phone]'],
  ])('redacts %j', (text, expected) => {
    expect(redacted(text)).toBe(expected)
  })

  it.each([
    ['on 2024-01-15 at 10:30'],
    ['costs 1,299.00 euros'],
    ['room 4711'],
    ['@alice said hi'],
    ['user@localhost'],
    ['version 1.2.3.4'],
  ])('allows %j', (text) => {
    expect(redactContactDetails({ text, context: '' })).toEqual({ action: 'allow' })
  })

  it('redacts the part of an address that began in the context', () => {
    expect(redacted('example.com, thanks', 'write to alice@')).toBe('[email], thanks')
  })

  it('leaves a match that lies wholly in the context alone', () => {
    expect(redactContactDetails({ text: ' and more', context: 'alice@example.com' })).toEqual({ action: 'allow' })
  })
})

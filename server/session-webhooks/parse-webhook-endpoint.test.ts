import { describe, expect, it } from 'vitest'
import { isSessionError } from '../../shared/errors/session-error.ts'
import { SESSION_WEBHOOK_KINDS } from '../../shared/protocol/session-webhooks.ts'
import { parseWebhookEndpoint } from './parse-webhook-endpoint.ts'

const valid = { id: 'pipe', url: 'https://hooks.example.com/in', secret: 'a-secret-of-16-chars' }

function codeOf(value: unknown): string | undefined {
  try {
    parseWebhookEndpoint(value)
    return undefined
  } catch (error) {
    return isSessionError(error) ? `${error.code}:${String(error.details.field ?? '')}` : 'other'
  }
}

describe('parseWebhookEndpoint', () => {
  it('defaults to every kind and keeps named kinds once', () => {
    expect(parseWebhookEndpoint(valid).kinds).toEqual(SESSION_WEBHOOK_KINDS)
    expect(parseWebhookEndpoint({ ...valid, kinds: ['steer', 'steer', 'policy'] }).kinds).toEqual(['steer', 'policy'])
  })

  it('refuses bad ids, secrets and kinds with the field, and URLs that may not receive webhooks', () => {
    expect(codeOf(null)).toBe('BAD_REQUEST:endpoint')
    expect(codeOf({ ...valid, id: 'a/b' })).toBe('BAD_REQUEST:id')
    expect(codeOf({ ...valid, secret: 'short' })).toBe('BAD_REQUEST:secret')
    expect(codeOf({ ...valid, kinds: [] })).toBe('BAD_REQUEST:kinds')
    expect(codeOf({ ...valid, kinds: ['message.delta'] })).toBe('BAD_REQUEST:kinds')
    expect(codeOf({ ...valid, url: 42 })).toBe('BAD_REQUEST:url')
    expect(codeOf({ ...valid, url: 'http://hooks.example.com/in' })).toBe('WEBHOOK_URL_REJECTED:')
    expect(codeOf({ ...valid, url: 'https://192.168.1.4/in' })).toBe('WEBHOOK_URL_REJECTED:')
  })
})

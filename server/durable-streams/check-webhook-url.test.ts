import { describe, expect, it } from 'vitest'
import { isSessionError } from '../../shared/errors/session-error.ts'
import { checkWebhookUrl } from './check-webhook-url.ts'

function refusal(url: string): string | undefined {
  try {
    checkWebhookUrl(url)
    return undefined
  } catch (error) {
    return isSessionError(error) ? error.code : 'unexpected'
  }
}

describe('checkWebhookUrl', () => {
  it.each([
    'https://hooks.example.com/in',
    'https://93.184.216.34/in',
    'http://localhost:8080/hook',
    'http://127.0.0.1:9/hook',
    'https://localhost/hook',
  ])('accepts %s', (url) => {
    expect(refusal(url)).toBeUndefined()
  })

  it.each([
    'http://hooks.example.com/in',
    'http://10.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://192.168.1.5/hook',
    'https://172.20.0.1/hook',
    'https://169.254.169.254/latest',
    'https://127.0.1.1/hook',
    'https://[::1]/hook',
    'https://[fe80::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://intranet/hook',
    'https://db.localhost/hook',
    'https://user:pw@hooks.example.com/in',
    'ftp://hooks.example.com/in',
    'not a url',
  ])('refuses %s', (url) => {
    expect(refusal(url)).toBe('WEBHOOK_URL_REJECTED')
  })
})

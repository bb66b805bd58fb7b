/**
 * `npm run token` as a real process: the token it prints verifies with the secret and carries the options given,
 * `admin: true` only with `--admin`.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import type { TokenClaims } from '../../shared/auth/token-claims.ts'
import { verifyToken } from './verify-token.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SECRET = 'mint-token-test-secret-0123456789abcdef'

/** Runs the script with `args`; resolves with the claims of the token it printed. */
function mint(args: string[]): Promise<TokenClaims> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, LIFELINE_AUTH_SECRET: SECRET }
    execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['server/auth/mint-token.ts', ...args],
      { cwd: ROOT, env, timeout: 30_000 },
      (error, stdout) => {
        if (error !== null) reject(error)
        else resolve(verifyToken(stdout.trim(), { secret: SECRET }))
      },
    )
  })
}

describe('npm run token', () => {
  test('--admin mints a token claiming admin: true; without it the token has no admin claim', async () => {
    const [admin, plain] = await Promise.all([
      mint(['--sub', 'ops', '--role', 'observer', '--session', 's_1', '--admin']),
      mint(['--sub', 'alice']),
    ])
    expect(admin).toMatchObject({ sub: 'ops', role: 'observer', session: 's_1', admin: true })
    expect(plain).toMatchObject({ sub: 'alice', role: 'user', session: '*' })
    expect(plain).not.toHaveProperty('admin')
  })
})

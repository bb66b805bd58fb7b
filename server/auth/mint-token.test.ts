/**
 * `npm run token` as a real process: the token it prints verifies with the secret and carries the options given,
 * `admin: true` only with `--admin`, the display name of `--name` as it would be stored, and a clear refusal of a bad name.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import type { TokenClaims } from '../../shared/auth/token-claims.ts'
import { verifyToken } from './verify-token.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const SECRET = 'mint-token-test-secret-0123456789abcdef'

/** Runs the script with `args`; resolves with the claims of the token it printed. */
function mint(args: string[]): Promise<TokenClaims> {
  return run(args).then((stdout) => verifyToken(stdout.trim(), { secret: SECRET }))
}

/** Runs the script with `args`; resolves with what it printed, rejects with its error (stderr in `message`). */
function run(args: string[]): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const env = { ...process.env, LIFELINE_AUTH_SECRET: SECRET }
    execFile(
      process.execPath,
      ['--import', 'tsx', 'server/auth/mint-token.ts', ...args],
      { cwd: ROOT, env, timeout: 30_000 },
      (error, stdout) => {
        if (error !== null) reject(error)
        else resolve(stdout)
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

  test('--name puts the display name in the token, white space collapsed as it is stored', async () => {
    expect(await mint(['--sub', 'alice', '--name', '  Alice   Liddell '])).toMatchObject({ name: 'Alice Liddell' })
  })

  test('--on-device-agent mints a user token claiming onDeviceAgent: true, and is refused on other roles', async () => {
    const [granted, plain, refused] = await Promise.all([
      mint(['--sub', 'alice', '--on-device-agent']),
      mint(['--sub', 'alice']),
      run(['--sub', 'bot', '--role', 'agent', '--on-device-agent']).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ])
    expect(granted).toMatchObject({ role: 'user', onDeviceAgent: true })
    expect(plain).not.toHaveProperty('onDeviceAgent')
    expect(String(refused)).toMatch(/--on-device-agent needs --role user/)
  })

  test('a --name that is no display name is refused with the rule, and no token is printed', async () => {
    await expect(run(['--sub', 'alice', '--name', 'x'.repeat(65)])).rejects.toThrow(/--name must be 1–64 characters/)
  })
})

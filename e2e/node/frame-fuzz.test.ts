/**
 * The live-server frame fuzz at CI size (e2e/fuzz/run-frame-fuzz.ts; `npm run fuzz` runs it with 1M frames): real,
 * mutated and random frames from six connections in every role against a real server on SQLite. No crash, no hang,
 * the live session always equals a replay of its log, and it reloads identically after a restart. Every connection the
 * server ends carries a Lifeline error code as its reason.
 */
import { expect } from 'vitest'
import { isErrorCode } from '../../shared/errors/error-codes.ts'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import { formatFrameFuzz, runFrameFuzz } from '../fuzz/run-frame-fuzz.ts'
import { test } from '../testing/fixtures.ts'
import { TEST_AUTH_SECRET } from '../testing/test-tokens.ts'

const FRAMES = 20_000
/** Hocuspocus' close reason when a client sends a Close frame itself. */
const HOCUSPOCUS_CLIENT_CLOSE = 'provider_initiated'

test(`${FRAMES} fuzzed frames: no crash, no hang, nothing partially applied, the session reloads identically`, async ({
  startServer,
  sessionId,
}) => {
  const seed = testSeed(20_261_125)
  const lines: string[] = []
  const result = await runFrameFuzz({
    frames: FRAMES,
    seed,
    secret: TEST_AUTH_SECRET,
    sessionId,
    startServer,
    checkEvery: 5_000,
    log: (line) => {
      lines.push(line)
    },
  })
  const summary = `seed ${seed}: ${formatFrameFuzz(result)}\n${lines.join('\n')}`
  console.log(summary)
  expect(result.frames).toBe(FRAMES)
  expect(
    {
      crashes: result.crashes,
      hangs: result.hangs,
      divergent: result.divergent,
      reloadIdentical: result.reloadIdentical,
    },
    summary,
  ).toEqual({ crashes: 0, hangs: 0, divergent: 0, reloadIdentical: true })
  expect(result.checks, summary).toBeGreaterThanOrEqual(4)
  // The fuzz must reach both sides of the server's decision to mean anything.
  expect(result.rejected, summary).toBeGreaterThan(0)
  expect(result.accepted, summary).toBeGreaterThan(0)
  // Every connection the server ended carries a Lifeline error code (PROTOCOL.md §2.5), none Hocuspocus' own
  // "Unauthorized" or "Reset Connection"; `provider_initiated` is Hocuspocus' answer to a client's own Close frame.
  const reasons = Object.keys(result.closeReasons).filter((reason) => reason !== HOCUSPOCUS_CLIENT_CLOSE)
  expect(
    reasons.filter((reason) => !isErrorCode(reason)),
    summary,
  ).toEqual([])
  expect(reasons, summary).toContain('BAD_FRAME')
}, 300_000)

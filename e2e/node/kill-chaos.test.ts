/**
 * CI-sized: the kill -9 harness with 50 kills of a real server process on each store.
 * Nothing the agent saw confirmed durable may be missing after any kill, and at the end the agent, both viewers
 * and storage must hold every token exactly once, in order. `npm run chaos:kill` is the full 200-kill run.
 */
import { describe, expect, it } from 'vitest'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import { formatKillChaos, runKillChaos } from '../chaos/run-kill-chaos.ts'
import { createTestStore, STORE_KINDS, TEST_POSTGRES_URL } from '../testing/test-store.ts'

const KILLS = 50

describe.each(STORE_KINDS)('kill -9 chaos on %s', (kind) => {
  it(`loses and duplicates nothing over ${KILLS} kills`, async () => {
    const store = createTestStore(kind)
    try {
      const result = await runKillChaos({
        kills: KILLS,
        seed: testSeed(kind === 'sqlite' ? 101 : 202),
        store: kind === 'sqlite' ? store.location : `${TEST_POSTGRES_URL}?schema=${store.location}`,
        openLog: () => store.open(),
      })
      const summary = formatKillChaos(result)
      console.log(`chaos ${kind}: ${summary}`)
      expect(result.kills, summary).toBe(KILLS)
      expect(result.acked, summary).toBeGreaterThan(result.tokens / 2)
      expect(result.lost, summary).toBe(0)
      expect(result.duplicated, summary).toBe(0)
      expect(result.divergent, summary).toBe(0)
      expect(result.agentErrors).toEqual([])
    } finally {
      await store.remove()
    }
  }, 300_000)
})

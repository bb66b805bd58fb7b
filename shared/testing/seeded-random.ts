/**
 * Seeded pseudo-random numbers for deterministic tests (mulberry32). The seed comes from LIFELINE_SEED when
 * set, so a failing run can be replayed; tests print it in their failure messages.
 */

/** A seeded generator. */
export interface SeededRandom {
  readonly seed: number
  /** Uniform float in [0, 1). */
  next(): number
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number
}

/** The seed for this run: LIFELINE_SEED if set, else `fallback`. */
export function testSeed(fallback: number): number {
  const fromEnv = Number(globalThis.process?.env?.LIFELINE_SEED)
  return Number.isInteger(fromEnv) ? fromEnv : fallback
}

/** Creates a generator from `seed`. */
export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { seed, next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) }
}

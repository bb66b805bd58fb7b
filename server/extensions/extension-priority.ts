/**
 * Order of Lifeline's Hocuspocus extensions. Hocuspocus sorts extensions by `priority`, highest first (default
 * 100), and runs each hook along that order, stopping at the first that throws. So governance must outrank the
 * durable log: an update it rejects never reaches the log's append (PROTOCOL.md §8.3; proved by
 * e2e/node/auth-attacks.test.ts, which finds no attacker bytes in the log).
 */

/** Priorities, highest runs first. */
export const EXTENSION_PRIORITY = {
  /** Token check on connect. */
  AUTHENTICATE: 300,
  /** Size limits (PROTOCOL.md §10.1): the cheapest check, before any update is decoded. */
  ENFORCE_LIMITS: 250,
  /** Inspect every inbound update and awareness state before anything stores or applies it. */
  GOVERN_UPDATES: 200,
  /**
   * Sync-answer budgets (PROTOCOL.md §10.4). Message and steer rates (§10.5) are charged by governance itself, as the
   * last check of its scratch try, so a rate-limited update leaves neither the scratch copy nor a clientID binding.
   */
  ENFORCE_BUDGETS: 150,
  /** Append to the log before the update is applied and acknowledged (Hocuspocus' default priority). */
  DURABLE_LOG: 100,
  /** Last: hold the writer's echo and SyncStatus for one write once every other hook accepted the update. */
  HOLD_WRITER_FRAMES: 50,
} as const

/**
 * Waits for a docs example that should run to its end (`runDocExample`), for Vitest tests: fails with what it printed
 * when it does not exit 0.
 */
import { expect } from 'vitest'
import type { RunningDocExample } from './run-doc-example.ts'

/** Resolves what the example printed on stdout once it exited 0; fails the test with its output otherwise. */
export async function finishedDocExample(running: RunningDocExample): Promise<string> {
  const code = await running.exited
  expect(code, `${running.output()}\n${running.errors()}`).toBe(0)
  return running.output()
}

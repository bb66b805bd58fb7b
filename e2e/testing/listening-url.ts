/**
 * Where a docs example that serves HTTP (a webhook receiver) listens: the url of the `listening <url>` line it prints
 * once its server is up, for Vitest tests.
 */
import { expect } from 'vitest'
import type { RunningDocExample } from './run-doc-example.ts'

const LISTENING = /listening (\S+)/

/** Resolves the url the running example says it listens on; fails the test with what it printed if it never does. */
export async function listeningUrl(running: RunningDocExample): Promise<string> {
  await expect.poll(() => `${running.output()}${running.errors()}`, { timeout: 10_000 }).toMatch(LISTENING)
  return LISTENING.exec(running.output())?.[1] ?? ''
}

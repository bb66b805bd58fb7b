/**
 * tryMeasure: runs one system's measurement; when it fails (typically a TIMEOUT: the system stalled and a viewer
 * never got every token) the failure is reported and kept as the reason that system's cells read `n/a`, so one
 * system's failure does not end the whole run.
 */
import type { SystemName } from '../systems/bench-system.ts'

/** Why systems could not be measured, for BenchRow.notApplicable. */
export type FailureNotes = Partial<Record<SystemName, string>>

/** Returns `measure()`'s value, or undefined after recording the failure in `failures`. */
export async function tryMeasure<T>(
  system: SystemName,
  failures: FailureNotes,
  progress: (line: string) => void,
  measure: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await measure()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    progress(`  ${system} FAILED: ${reason}`)
    failures[system] = `${system} failed: ${reason}`
    return undefined
  }
}

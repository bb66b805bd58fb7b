/**
 * collectGarbage: a full GC between measured runs, so one run's garbage is not collected during the next. Uses
 * Node's documented v8.setFlagsFromString('--expose-gc') + vm route when not started with --expose-gc.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | undefined

/** Runs a full, synchronous garbage collection when the runtime allows it. */
export function collectGarbage(): void {
  gc ??= exposeGc()
  gc?.()
}

function exposeGc(): (() => void) | undefined {
  const existing: unknown = (globalThis as { gc?: unknown }).gc
  if (typeof existing === 'function') return existing as () => void
  try {
    setFlagsFromString('--expose-gc')
    const exposed: unknown = runInNewContext('gc')
    return typeof exposed === 'function' ? (exposed as () => void) : undefined
  } catch {
    return undefined
  }
}

/**
 * startCpuProfile: records a V8 CPU profile of this process (node:inspector) until the returned function writes it,
 * as a `.cpuprofile` file that Chrome DevTools or speedscope open, so a bench profiles its measured window only.
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'

/** Starts profiling; the returned function stops it and writes the profile to `path`. */
export async function startCpuProfile(): Promise<(path: string) => Promise<void>> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async (path) => {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    await writeFile(path, JSON.stringify(profile))
  }
}

/**
 * The TypeScript files under a folder of the repository, for tests that check rules on the source itself (import
 * boundaries, wire-fact literals).
 */
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, as an absolute path. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Every `.ts` file under `folder` (a path from the repository root), as paths from the root. */
export function listSourceFiles(folder: string): string[] {
  const directory = join(REPO_ROOT, folder)
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name)
    if (statSync(path).isDirectory()) return listSourceFiles(relative(REPO_ROOT, path))
    return name.endsWith('.ts') ? [relative(REPO_ROOT, path)] : []
  })
}

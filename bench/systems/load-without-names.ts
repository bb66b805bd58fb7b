/**
 * Module hooks for a bench server process: compiles this repository's TypeScript with esbuild as tsx does, but
 * without `keepNames`. tsx wraps every function in `__name(fn, 'name')`, which gives each closure created at run time a
 * property store of its own; Lifeline's server creates dozens of closures per session, the peers' servers run
 * precompiled JavaScript from node_modules, so under tsx Lifeline's idle sessions would carry several KB that
 * its compiled build (`npm run build`) does not. Registered after tsx (`--import tsx --import <this file's
 * registration>`), these hooks run first; tsx still resolves every specifier.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transform } from 'esbuild'

/** Node's load hook context and result, as far as this hook reads and returns them. */
interface LoadResult {
  readonly format: string
  readonly source: string
  readonly shortCircuit: true
}

/** Compiles `.ts` files outside node_modules without names; leaves everything else to the next hook (tsx). */
export async function load(
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (!url.startsWith('file:') || !url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context)
  const path = fileURLToPath(url)
  const compiled = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
  })
  return { format: 'module', source: compiled.code, shortCircuit: true } satisfies LoadResult
}

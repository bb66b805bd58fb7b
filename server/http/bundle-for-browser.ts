/**
 * bundleForBrowser: the one esbuild set-up of the pages the server and the demo serve (the inspector, the demo chat
 * and its service worker): one minified ES module for current browsers, kept in memory. esbuild is imported on first
 * use, so a server that serves no page never loads it.
 */

/**
 * Bundles `entry` and what it imports into one minified ES module; `define` replaces global names (esbuild's);
 * `format` 'iife' makes a classic script instead (one to inline into a page).
 */
export async function bundleForBrowser(
  entry: string,
  define: Record<string, string> = {},
  format: 'esm' | 'iife' = 'esm',
): Promise<string> {
  const { build } = await import('esbuild')
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format,
    platform: 'browser',
    target: 'es2022',
    minify: true,
    define,
  })
  return result.outputFiles[0]?.text ?? ''
}

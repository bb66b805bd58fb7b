/**
 * Packs the repository with `npm pack` (its `prepack` script builds `dist/`) and installs the tarball into a fresh
 * temporary project, in one of two ways:
 * - `link` (fast, for `npm test`): the tarball's files go to `node_modules/lifeline` as npm lays them out, and the
 *   package's dependencies, its optional peers and the type packages a consumer would add are linked from the
 *   repository's `node_modules`;
 * - `registry` (minutes, for `npm run test:slow`): `npm install` of the tarball and the optional peers, as a user
 *   runs it, so the manifest's dependency ranges are resolved from the registry (or npm's cache) and native
 *   dependencies are built on this machine.
 * The consumer's own files come from e2e/package-consumer/. Nothing in the project can reach the repository's
 * sources: only what the tarball holds.
 */
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT } from './list-source-files.ts'

const run = promisify(execFile)

/** Packages a consumer adds next to Lifeline: optional peers and the types of what it uses. */
const CONSUMER_PACKAGES = [
  '@types/node',
  '@types/react',
  '@types/react-dom',
  'typescript',
  'react-dom',
  '@ai-sdk/provider',
]

/** A project with the packed tarball installed. */
export interface PackedInstall {
  /** The project's folder (its `package.json` is `"type": "module"`). */
  readonly dir: string
  /** Files in the tarball, as paths inside the package. */
  readonly files: readonly string[]
  /** Removes the project. */
  remove(): void
}

/** Optional peers a `registry` install adds, at the versions the repository tests. */
const OPTIONAL_PEERS = ['react', 'react-dom', 'ai', '@ai-sdk/react']

/** How the tarball's dependencies reach the project: linked from the repository, or installed by npm. */
export type InstallMode = 'link' | 'registry'

/** Packs the repository and installs it into a new temporary project with e2e/package-consumer/ copied in. */
export async function installPackedPackage(mode: InstallMode = 'link'): Promise<PackedInstall> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-consumer-'))
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    })
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }]
    const tarball = join(dir, packed.filename)
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`)
    if (mode === 'registry') await installFromRegistry(dir, tarball)
    else await linkDependencies(dir, tarball)
    cpSync(join(REPO_ROOT, 'e2e', 'package-consumer'), dir, { recursive: true })
    return {
      dir,
      files: packed.files.map((file) => file.path),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

/** Extracts the tarball as npm lays it out and links its dependencies from the repository's `node_modules`. */
async function linkDependencies(dir: string, tarball: string): Promise<void> {
  const target = join(dir, 'node_modules', 'lifeline')
  mkdirSync(target, { recursive: true })
  await run('tar', ['xzf', tarball, '-C', target, '--strip-components', '1'])
  const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>
    peerDependencies: Record<string, string>
  }
  for (const name of [
    ...Object.keys(manifest.dependencies),
    ...Object.keys(manifest.peerDependencies),
    ...CONSUMER_PACKAGES,
  ]) {
    const link = join(dir, 'node_modules', name)
    mkdirSync(dirname(link), { recursive: true })
    symlinkSync(join(REPO_ROOT, 'node_modules', name), link)
  }
}

/** Runs `npm install <tarball> <optional peers>` in `dir`, the peers pinned to the repository's tested versions. */
async function installFromRegistry(dir: string, tarball: string): Promise<void> {
  const repo = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>
  }
  const peers = OPTIONAL_PEERS.map((name) => `${name}@${repo.devDependencies[name]}`)
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, ...peers], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  })
}

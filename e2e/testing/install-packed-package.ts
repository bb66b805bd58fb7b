/**
 * Packs the repository with `npm pack` (its `prepack` script builds `dist/`) and installs the tarball into a fresh
 * temporary project, laid out as npm installs it: the tarball's files in `node_modules/lifeline`. The test machine
 * is offline, so the package's dependencies, its optional peers and the type packages a consumer would add are
 * linked from the repository's `node_modules` instead of being downloaded. The consumer's own files come from
 * e2e/package-consumer/. Nothing in the project can reach the repository's sources: only what the tarball holds.
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

/** Packs the repository and installs it into a new temporary project with e2e/package-consumer/ copied in. */
export async function installPackedPackage(): Promise<PackedInstall> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-consumer-'))
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    })
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string; files: { path: string }[] }]
    const target = join(dir, 'node_modules', 'lifeline')
    mkdirSync(target, { recursive: true })
    await run('tar', ['xzf', join(dir, packed.filename), '-C', target, '--strip-components', '1'])
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
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`)
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

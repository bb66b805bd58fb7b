/**
 * The lanes of `npm test`, in two phases of lanes run at the same time. The lanes are independent (each starts its
 * own servers on free ports, Playwright its web server on E2E_PORT) and the test lanes spend much of their time
 * waiting on timers, paced streams, child processes and the browser, so on a small machine the waits of one overlap
 * the work of the others. The first phase is the short lanes: typecheck, lint, the conformance suite (most of its
 * minute is spent waiting out TTLs) and Python. The conformance suite's 10 MB upload comes half a minute into its
 * run, when typecheck and lint have ended, and before Vitest and Playwright load both cores (under that load the
 * upload's connection can be reset).
 * Then Vitest and Playwright run together, the browser lane started first. Vitest prints as it goes; every other
 * lane's output is printed in one piece when it ends. Every lane runs even when an earlier one failed; exits 1 when
 * any lane failed.
 *
 *   node --import tsx e2e/setup/run-test-lanes.ts
 */
import { spawn } from 'node:child_process'

/** One lane: the npm script that runs it, and whether its output streams live (one lane at most). */
interface Lane {
  readonly script: string
  readonly live: boolean
}

/** The phases, one after the other; the lanes of a phase start together. */
const PHASES: readonly (readonly Lane[])[] = [
  [
    { script: 'typecheck', live: false },
    { script: 'lint', live: false },
    { script: 'test:conformance', live: false },
    { script: 'test:python', live: false },
  ],
  [
    { script: 'test:e2e', live: false },
    { script: 'test:unit', live: true },
  ],
]

/** What one lane ended with. */
interface LaneResult {
  readonly script: string
  readonly passed: boolean
  readonly seconds: number
}

function runLane(lane: Lane): Promise<LaneResult> {
  const started = performance.now()
  const child = spawn('npm', ['run', '--silent', lane.script], {
    stdio: lane.live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? (process.stdout.isTTY ? '1' : '0') },
  })
  const chunks: Buffer[] = []
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve) => {
    let settled = false
    const settle = (passed: boolean, status: string): void => {
      if (settled) return
      settled = true
      const seconds = Math.round((performance.now() - started) / 1_000)
      if (!lane.live) process.stdout.write(`\n── npm run ${lane.script} ──\n${Buffer.concat(chunks).toString('utf8')}`)
      process.stdout.write(`── npm run ${lane.script}: ${status} in ${seconds} s ──\n`)
      resolve({ script: lane.script, passed, seconds })
    }
    // A lane that cannot start (npm missing from PATH) fails; the other lanes still run.
    child.once('error', (error) => {
      settle(false, `failed (cannot start npm: ${error.message})`)
    })
    child.once('close', (code, signal) => {
      settle(code === 0, code === 0 ? 'passed' : `failed (${signal ?? `exit ${String(code)}`})`)
    })
  })
}

const results: LaneResult[] = []
for (const phase of PHASES) results.push(...(await Promise.all(phase.map(runLane))))
const failed = results.filter((result) => !result.passed)
process.stdout.write(
  `\n${results.map((result) => `${result.passed ? 'passed' : 'FAILED'}  ${result.script}  ${result.seconds} s`).join('\n')}\n`,
)
process.exitCode = failed.length === 0 ? 0 : 1

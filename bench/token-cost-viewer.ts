/**
 * Child-process entry of one viewer of the token cost bench (forked by token-cost.ts):
 * `token-cost-viewer.ts <system> <url> <streamId> <tokens>`. Opens the system's viewer of the stream, reports
 * `{ type: 'ready' }`; on `{ type: 'start' }` notes its CPU time and answers `{ type: 'started' }`; once it holds
 * every token it reports `{ type: 'done', micros }`, the CPU time it used since the start, closes and exits.
 */
import { SYSTEM_NAMES, type SystemName } from './systems/bench-system.ts'
import { BENCH_SYSTEMS } from './systems/bench-systems.ts'
import { expectedText } from '../shared/testing/token-stream.ts'

/** Messages from the viewer process to the bench. */
export type ViewerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'started' }
  | { readonly type: 'done'; readonly micros: number }

const [system, url, streamId, tokens] = process.argv.slice(2)
if (!SYSTEM_NAMES.includes(system as SystemName)) throw new Error(`unknown system ${String(system)}`)
const fullLength = expectedText(Number(tokens)).length
let started: NodeJS.CpuUsage | undefined
let finished = false
const viewer = await BENCH_SYSTEMS[system as SystemName].openViewer(String(url), String(streamId), (length) => {
  if (started === undefined || finished || length < fullLength) return
  finished = true
  const { user, system: kernel } = process.cpuUsage(started)
  send({ type: 'done', micros: user + kernel })
  void viewer.close().then(() => process.exit(0))
})

function send(message: ViewerReply): void {
  process.send?.(message)
}

process.on('message', (message: { type: string }) => {
  if (message.type !== 'start') return
  started = process.cpuUsage()
  send({ type: 'started' })
})
process.on('disconnect', () => process.exit(0))
send({ type: 'ready' })

/**
 * A pino logger whose JSON lines a test reads back, to count what a real server logged (connections, security events).
 *
 *   const logs = captureLogs()
 *   const server = await createSessionServer({ logger: logs.logger })
 *   expect(logs.linesFor(sessionId, 'update-rejected')).toHaveLength(1)
 */
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

/** One parsed log line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string }

/** The logger and what it wrote. */
export interface CapturedLogs {
  readonly logger: Logger
  readonly lines: readonly LogLine[]
  /** Lines of `event` about session `sessionId`. */
  linesFor(sessionId: string, event: string): LogLine[]
}

/** Creates a logger at `level` (default info) that keeps every line it writes. */
export function captureLogs(level = 'info'): CapturedLogs {
  const lines: LogLine[] = []
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
      done()
    },
  })
  return {
    logger: pino({ level }, output),
    lines,
    linesFor: (sessionId, event) => lines.filter((line) => line.sessionId === sessionId && line.event === event),
  }
}

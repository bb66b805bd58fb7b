/**
 * The live-server frame fuzz (`npm run fuzz`, e2e/node/frame-fuzz.test.ts): several connections in several roles
 * send real, mutated and random frames to a real server over real WebSockets. Periodically, and at the end, all
 * fuzz connections pause and the run checks that the server still answers its health route, that a legitimate
 * client can still write durably, and that the live session equals a replay of its stored log (nothing partially
 * applied). At the end the server is restarted on the same store and the session must reload identically.
 */
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { createSeededRandom, type SeededRandom } from '../../shared/testing/seeded-random.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import type { SessionServer, SessionServerOptions } from '../../server/session-server.ts'
import { authFrame, probeFrame } from '../testing/crafted-frames.ts'
import { captureFrameCorpus, FUZZ_USER_ID, type FuzzTokens } from './frame-corpus.ts'
import { openFuzzSocket, type FuzzSocket } from './fuzz-socket.ts'
import { freshUserUpdateFrame, nextFuzzFrame, type FuzzFrameKind, type FuzzWriter } from './next-fuzz-frame.ts'
import { createSessionFollower, type SessionFollower } from './session-follower.ts'
import { liveFingerprint, sameFingerprint, storedFingerprint, type SessionFingerprint } from './session-fingerprint.ts'

/** Options of {@link runFrameFuzz}. */
export interface FrameFuzzOptions {
  readonly frames: number
  readonly seed: number
  /** HMAC secret the server is started with (the fuzz signs its tokens with it). */
  readonly secret: string
  /** Starts a server on the fuzz store with these options; called again to restart on the same store. */
  readonly startServer: (options: SessionServerOptions) => Promise<SessionServer>
  readonly sessionId: string
  /** Concurrent fuzz connections (default 6: user, agent, observer, user, agent, unauthenticated). */
  readonly connections?: number
  /** Frames sent between two probes of one connection (default 16). */
  readonly batch?: number
  /** Frames between two integrity checks (default frames / 10, at least 1000). */
  readonly checkEvery?: number
  /** Frames between two progress lines (default 50 000). */
  readonly progressEvery?: number
  /** Frames per point of the throughput curve (default 100 000). */
  readonly curveEvery?: number
  /** Longest wait for any answer before it counts as a hang, in ms (default 15000). */
  readonly hangTimeoutMs?: number
  readonly log?: (line: string) => void
}

/** What a fuzz run found. */
export interface FrameFuzzResult {
  readonly frames: number
  /** Connections the server ended (a close message or a socket close with a reason). */
  readonly rejected: number
  /** Updates the server acknowledged (SyncStatus true) on fuzz connections. */
  readonly accepted: number
  /** Uncaught exceptions and unhandled rejections in the process, and errors the server reported. */
  readonly crashes: number
  /** Checks or probes not answered within the hang timeout. */
  readonly hangs: number
  /** Integrity checks where the live session differed from its log, plus a reload that differed. */
  readonly divergent: number
  readonly checks: number
  readonly reloadIdentical: boolean
  readonly seconds: number
  /** Frames per second over each `curveEvery` frames, in order, the last (partial) stretch included. */
  readonly throughput: readonly number[]
  readonly curveEvery: number
  readonly byKind: Readonly<Record<FuzzFrameKind, number>>
  readonly closeReasons: Readonly<Record<string, number>>
}

type Role = 'user' | 'agent' | 'observer' | 'none'
const ROLES: readonly Role[] = ['user', 'agent', 'observer', 'user', 'agent', 'none']
/** Largest frame the fuzz server accepts: small, so oversized frames cost little to send. */
const FUZZ_MAX_FRAME_BYTES = 64 * 1024

/** Runs the fuzz and returns its counts; never throws for what the server does. */
export async function runFrameFuzz(options: FrameFuzzOptions): Promise<FrameFuzzResult> {
  const log = options.log ?? (() => undefined)
  const batch = options.batch ?? 16
  const hangTimeoutMs = options.hangTimeoutMs ?? 15_000
  const checkEvery = options.checkEvery ?? Math.max(1_000, Math.floor(options.frames / 10))
  const progressEvery = options.progressEvery ?? 50_000
  const curveEvery = options.curveEvery ?? 100_000
  const { sessionId } = options
  const token = (
    sub: string,
    role: 'user' | 'agent' | 'observer',
    session = sessionId,
    ttlSeconds = 24 * 3600,
  ): string => signToken(createTokenClaims({ sub, role, session, ttlSeconds }), options.secret)
  const tokens: FuzzTokens = {
    user: token('fuzz-user', 'user'),
    agent: token('fuzz-agent', 'agent'),
    observer: token('fuzz-observer', 'observer'),
    otherSession: token('fuzz-user', 'user', 'another-session'),
    expired: signToken(
      { ...createTokenClaims({ sub: 'fuzz-user', role: 'user', session: sessionId }), exp: 1 },
      options.secret,
    ),
  }
  const counts = { sent: 0, rejected: 0, accepted: 0, crashes: 0, hangs: 0, divergent: 0, checks: 0 }
  const byKind: Record<FuzzFrameKind, number> = {
    replayed: 0,
    mutated: 0,
    random: 0,
    structured: 0,
    fresh: 0,
    'fresh-mutated': 0,
  }
  const closeReasons: Record<string, number> = {}
  const onCrash = (error: unknown): void => {
    counts.crashes++
    log(`CRASH: ${String(error)}`)
  }
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)
  // Hocuspocus prints every refused frame with console.error; at fuzz rates that is the bottleneck, so count them.
  const consoleError = console.error
  let serverLogLines = 0
  console.error = () => {
    serverLogLines++
  }
  const serverOptions: SessionServerOptions = {
    auth: { secret: options.secret },
    maxFrameBytes: FUZZ_MAX_FRAME_BYTES,
    // Frame and message rates are tested in e2e/node/limits.test.ts and message-rate.test.ts; here they would stop most
    // frames before the parsers. The sync budget stays at its default: it is what bounds the replayed sync steps 1.
    limits: {
      framesPerSecond: 1e9,
      frameBurst: 1e9,
      bytesPerSecond: 1e12,
      byteBurst: 1e12,
      messagesPerSecond: 1e9,
      messageBurst: 1e9,
      steersPerSecond: 1e9,
      steerBurst: 1e9,
    },
    onError: onCrash,
  }
  const started = performance.now()
  let server = await options.startServer(serverOptions)
  const legitToken = token('legit-user', 'user')
  const connectLegit = (): SessionClient =>
    createSessionClient({
      url: server.websocketUrl,
      sessionId,
      principalId: 'legit-user',
      token: legitToken,
      WebSocket: NodeWebSocket,
      transport: false,
    })
  let legit: SessionClient | undefined
  try {
    const corpus = await captureFrameCorpus({ websocketUrl: server.websocketUrl, sessionId, tokens })
    log(`corpus: ${corpus.length} captured and crafted frames; seed ${options.seed}`)
    legit = connectLegit()
    await legit.waitForSynced(hangTimeoutMs)

    let pause: Promise<void> | undefined
    let parked = 0
    const parkListeners = new Set<() => void>()
    const tellParked = (): void => {
      for (const listener of [...parkListeners]) listener()
    }
    let nextCheck = checkEvery
    let nextProgress = progressEvery
    let lastProgress = { at: performance.now(), sent: 0 }
    const throughput: number[] = []
    let curveStart = { at: performance.now(), sent: 0 }
    const closeCurve = (): void => {
      const now = performance.now()
      if (counts.sent > curveStart.sent)
        throughput.push(Math.round((counts.sent - curveStart.sent) / ((now - curveStart.at) / 1000)))
      curveStart = { at: now, sent: counts.sent }
    }

    const worker = async (index: number): Promise<void> => {
      const random = createSeededRandom(options.seed * 31 + index)
      const role = ROLES[index % ROLES.length] as Role
      // Unauthenticated connections never probe, so they follow nothing.
      const session = role === 'none' ? undefined : createSessionFollower()
      // One clientID for all the worker's fresh updates, as a device keeps its own across reconnects.
      const writer: FuzzWriter = { clientId: random.int(1, 2 ** 31), clock: 0 }
      const follow = (update: Uint8Array): void => {
        session?.receive(update)
      }
      while (counts.sent < options.frames) {
        if (pause !== undefined) {
          parked++
          tellParked()
          await pause
          parked--
          continue
        }
        const socket = await openFuzzSocket(server.websocketUrl, hangTimeoutMs, follow)
        if (socket === undefined) {
          counts.hangs++
          log(`HANG: connection ${index} could not open a socket`)
          continue
        }
        await fuzzConnection(socket, role, random, session, writer)
        await socket.close()
        if (socket.closedBy !== undefined && socket.closedBy !== 'close 1005' && socket.closedBy !== 'close 1006') {
          counts.rejected++
          closeReasons[socket.closedBy] = (closeReasons[socket.closedBy] ?? 0) + 1
        }
        counts.accepted += socket.acknowledged
      }
      session?.destroy()
      parked++ // finished workers count as parked for the final check
      tellParked()
    }

    /** An authenticated connection must answer a sync step 1 (or end the connection) in time; false when it did not. */
    const probe = async (socket: FuzzSocket, role: Role, session: SessionFollower): Promise<boolean> => {
      const answers = socket.syncAnswers
      socket.send(probeFrame(sessionId, session.stateVector()))
      if (await socket.until(() => socket.syncAnswers > answers || socket.closedBy !== undefined, hangTimeoutMs))
        return true
      counts.hangs++
      log(`HANG: ${role} connection did not answer a probe within ${hangTimeoutMs} ms`)
      return false
    }

    const fuzzConnection = async (
      socket: FuzzSocket,
      role: Role,
      random: SeededRandom,
      session: SessionFollower | undefined,
      writer: FuzzWriter,
    ): Promise<void> => {
      if (session !== undefined) {
        socket.send(
          authFrame(sessionId, role === 'user' ? tokens.user : role === 'agent' ? tokens.agent : tokens.observer),
        )
        if (!(await socket.until(() => socket.authenticated || socket.denied, hangTimeoutMs))) {
          if (socket.closedBy === undefined) {
            counts.hangs++
            log(`HANG: no answer to ${role} authentication`)
          }
          return
        }
        if (socket.denied) return
        // Catch up with the session first: user connections build fresh updates on it.
        socket.send(probeFrame(sessionId, session.stateVector()))
        await socket.until(() => socket.syncAnswers > 0, hangTimeoutMs)
        // Closed before the first batch (a spent sync budget): frames sent now would never reach the server.
        if (socket.closedBy !== undefined) return
        // Continue where the server is: updates sent on the last connection may have been dropped with it.
        session.catchUp()
        writer.clock = Y.getState(session.doc.store, writer.clientId)
      }
      let written = 0
      const fresh =
        role === 'user' && session !== undefined
          ? (): Uint8Array => {
              const { frame, clock } = freshUserUpdateFrame(random, session, writer, sessionId, FUZZ_USER_ID)
              written = clock
              return frame
            }
          : undefined
      // A connection lives for a few batches, then makes way for a fresh one.
      for (let round = random.int(1, 8); round > 0 && counts.sent < options.frames && pause === undefined; round--) {
        for (let index = 0; index < batch && counts.sent < options.frames; index++) {
          const { kind, frame } =
            counts.sent > 0 && counts.sent % 20_000 === 0
              ? { kind: 'structured' as const, frame: new Uint8Array(FUZZ_MAX_FRAME_BYTES + 1) }
              : nextFuzzFrame(random, corpus, sessionId, fresh)
          // Sent unchanged, a fresh update is accepted unless the connection ends first: the next continues after it.
          if (kind === 'fresh') writer.clock = written
          socket.send(frame)
          byKind[kind]++
          counts.sent++
          if (counts.sent % curveEvery === 0) closeCurve()
          if (counts.sent >= nextProgress) {
            nextProgress += progressEvery
            const now = performance.now()
            log(
              `frames=${counts.sent} rate=${Math.round((counts.sent - lastProgress.sent) / ((now - lastProgress.at) / 1000))}/s rejected=${counts.rejected} accepted=${counts.accepted} crashes=${counts.crashes} hangs=${counts.hangs} divergent=${counts.divergent}`,
            )
            lastProgress = { at: now, sent: counts.sent }
          }
          if (counts.sent >= nextCheck && pause === undefined) {
            nextCheck += checkEvery
            void checkpoint()
          }
          // A bad frame ends a connection on arrival (PROTOCOL.md §2.5), cutting what is still in flight: let a valid
          // update be answered first, so the fuzz keeps reaching the server's accepting side.
          if (
            kind === 'fresh' &&
            session !== undefined &&
            (!(await probe(socket, role, session)) || socket.closedBy !== undefined)
          )
            return
        }
        if (session === undefined || socket.closedBy !== undefined) return
        if (!(await probe(socket, role, session)) || socket.closedBy !== undefined) return
      }
    }

    let checking: Promise<void> = Promise.resolve()
    const checkpoint = (): Promise<void> => {
      let release = (): void => undefined
      pause = new Promise<void>((resolve) => {
        release = resolve
      })
      checking = (async () => {
        await waitUntil(parkListeners, () => parked === workerCount, hangTimeoutMs * 2)
        await checkServer()
        pause = undefined
        release()
      })()
      return checking
    }

    const checkServer = async (): Promise<void> => {
      counts.checks++
      const health = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(hangTimeoutMs) }).then(
        (response) => response.ok,
        () => false,
      )
      if (!health) {
        counts.hangs++
        log('HANG: /healthz did not answer')
      }
      if (legit === undefined || legit.status === 'failed' || legit.status === 'closed') {
        log(`legit client was ${legit?.status ?? 'missing'}; reconnecting`)
        legit?.destroy()
        legit = connectLegit()
      }
      try {
        await legit.waitForSynced(hangTimeoutMs)
        legit.sendMessage(`check ${counts.checks} at ${counts.sent} frames`)
        await legit.waitUntilDurable(hangTimeoutMs)
      } catch (error) {
        counts.hangs++
        log(`HANG: the legitimate client could not write durably: ${String(error)}`)
      }
      if (!(await liveMatchesLog())) {
        counts.divergent++
        log(`DIVERGENT: the live session differs from its log after ${counts.sent} frames`)
      }
    }

    const liveMatchesLog = async (): Promise<boolean> => {
      // An append may still be in flight for a frame sent just before the pause: give it time to land.
      const deadline = performance.now() + hangTimeoutMs
      for (;;) {
        const live = liveFingerprint(server, sessionId)
        if (live !== undefined && sameFingerprint(live, await storedFingerprint(server, sessionId))) return true
        if (performance.now() > deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 50)) // reason: polls a condition, bounded by the deadline
      }
    }

    const workerCount = options.connections ?? ROLES.length
    await Promise.all(Array.from({ length: workerCount }, (_, index) => worker(index)))
    closeCurve()
    await checking
    await checkServer()

    // Restart on the same store: the session must reload exactly as it was.
    const before = liveFingerprint(server, sessionId) as SessionFingerprint
    legit.destroy()
    legit = undefined
    await server.close()
    server = await options.startServer(serverOptions)
    const reloaded = await storedFingerprint(server, sessionId)
    legit = connectLegit()
    await legit.waitForSynced(hangTimeoutMs)
    const served = liveFingerprint(server, sessionId)
    const reloadIdentical = sameFingerprint(before, reloaded) && served !== undefined && sameFingerprint(before, served)
    if (!reloadIdentical) counts.divergent++
    log(`hocuspocus logged ${serverLogLines} refusals`)
    return {
      frames: counts.sent,
      rejected: counts.rejected,
      accepted: counts.accepted,
      crashes: counts.crashes,
      hangs: counts.hangs,
      divergent: counts.divergent,
      checks: counts.checks,
      reloadIdentical,
      seconds: (performance.now() - started) / 1000,
      throughput,
      curveEvery,
      byKind,
      closeReasons,
    }
  } finally {
    legit?.destroy()
    await server.close()
    console.error = consoleError
    process.off('uncaughtException', onCrash)
    process.off('unhandledRejection', onCrash)
  }
}

/** The summary line of a run. */
export function formatFrameFuzz(result: FrameFuzzResult): string {
  return (
    `frames=${result.frames} rejected=${result.rejected} accepted=${result.accepted} crashes=${result.crashes} hangs=${result.hangs} divergent=${result.divergent} ` +
    `checks=${result.checks} reload=${result.reloadIdentical ? 'identical' : 'DIFFERENT'} seconds=${result.seconds.toFixed(1)} rate=${Math.round(result.frames / result.seconds)}/s`
  )
}

/** The throughput curve of a run: frames per second over each stretch, and the last stretch over the first. */
export function formatThroughputCurve(result: FrameFuzzResult): string {
  const first = result.throughput[0] ?? 0
  const last = result.throughput.at(-1) ?? 0
  return `throughput per ${result.curveEvery} frames (frames/s): ${result.throughput.join(' ')}; last/first=${first === 0 ? 'n/a' : (last / first).toFixed(2)}`
}

/** Resolves once `predicate` holds (re-checked whenever a listener fires), or after `timeoutMs`. */
function waitUntil(listeners: Set<() => void>, predicate: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!predicate()) return
      listeners.delete(check)
      clearTimeout(timer)
      resolve()
    }
    const timer = setTimeout(() => {
      listeners.delete(check)
      resolve()
    }, timeoutMs)
    listeners.add(check)
    check()
  })
}

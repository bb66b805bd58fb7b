/**
 * createObservability: what the session server adds for operators — the structured logger, the metrics registry,
 * the Hocuspocus extensions feeding them, the metering UpdateLog decorator, a security-event listener that
 * counts and logs before calling the user's own, the report of quarantined entries, and the `GET /metrics` and
 * `GET /v1/inspect` routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Extension } from '@hocuspocus/server'
import { pino, type Logger } from 'pino'
import { ROUTES } from '../../shared/protocol/routes.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import { toSafeListener, type SecurityEventListener } from '../auth/security-event.ts'
import type { LocatedQuarantine } from '../persistence/locate-quarantined.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { authorizeMetricsRequest } from './authorize-metrics-request.ts'
import { createAgentTextCounter } from './count-agent-text.ts'
import { createConnectionLog } from './log-connections.ts'
import { meterUpdateLog } from './meter-update-log.ts'
import { serveInspectorPage } from './serve-inspector-page.ts'
import { createServerMetrics, type MetricSources, type ServerMetrics } from './server-metrics.ts'

/** Options of {@link createObservability}. */
export interface ObservabilityOptions {
  /** Structured logger; default: pino at level `error` to stderr. */
  readonly logger?: Logger | undefined
  /** Static bearer token accepted on `/metrics` (see authorize-metrics-request.ts). */
  readonly metricsToken?: string | undefined
  /** Auth secret and clock when auth is on. */
  readonly auth?: { readonly secret: AuthSecret; readonly now?: () => number } | undefined
  readonly sources: MetricSources
}

/** The server's observability parts. */
export interface Observability {
  readonly logger: Logger
  readonly metrics: ServerMetrics
  /** Extensions to register with Hocuspocus (connection log, agent text counter). */
  readonly extensions: readonly Extension[]
  /** `log` with its appends measured. */
  meterUpdateLog(log: UpdateLog): UpdateLog
  /**
   * A listener that counts and logs each security event (allowed destructive actions at info, the rest at warn), then
   * calls `listener` (whose failures are ignored).
   */
  observeSecurityEvents(listener: SecurityEventListener | undefined): SecurityEventListener
  /** Logs (warn, event `entry-quarantined`) and counts each quarantined entry of a session that loaded. */
  reportQuarantine(sessionId: string, entries: readonly LocatedQuarantine[]): void
  /** Serves `/metrics` and the inspector page; resolves false for other paths. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>
}

/** Creates the logger, metrics and routes of one server. */
export function createObservability(options: ObservabilityOptions): Observability {
  const logger = options.logger ?? pino({ level: 'error' }, pino.destination({ dest: 2, sync: true }))
  const metrics = createServerMetrics(options.sources)
  const access = {
    ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
    ...(options.auth === undefined ? {} : { secret: options.auth.secret }),
  }
  const now = options.auth?.now ?? Date.now

  return {
    logger,
    metrics,
    extensions: [createConnectionLog(logger), createAgentTextCounter(metrics.recordAgentText)],
    meterUpdateLog: (log) => meterUpdateLog(log, { metrics, logger }),
    observeSecurityEvents(listener) {
      const user = toSafeListener(listener)
      return (event) => {
        metrics.recordSecurityEvent(event)
        const { code, details } = event.error
        const { kind, sessionId, principalId, role, admin, action, outcome } = event
        // A deletion done is routine for its owner but the only record left of it: info; everything refused: warn.
        logger[outcome === 'allowed' ? 'info' : 'warn'](
          {
            event: kind,
            sessionId,
            principalId,
            role,
            admin,
            action,
            outcome,
            code,
            reason: details.reason,
            // A policy decision is logged without the text it was about (PROTOCOL.md §8.8).
            ...(kind === 'policy-decision'
              ? { policyAction: details.action, cause: details.cause, messageId: details.messageId }
              : {}),
          },
          event.error.message,
        )
        user(event)
      }
    },
    reportQuarantine(sessionId, entries) {
      for (const entry of entries) {
        metrics.recordQuarantined(entry.root)
        logger.warn(
          { event: 'entry-quarantined', sessionId, ...entry },
          'stored session entry does not fit the schema; skipped by every view',
        )
      }
    },
    async handle(request, response, url) {
      if (url.pathname === ROUTES.METRICS && request.method === 'GET') {
        authorizeMetricsRequest(request, access, now())
        const body = await metrics.render()
        response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' })
        response.end(body)
        return true
      }
      return await serveInspectorPage(request, response, url)
    },
  }
}

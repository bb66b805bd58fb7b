/**
 * ServerMetrics: one prom-client Registry per session server (never the global one: a process may run many
 * servers, as the tests do) holding Lifeline's metrics, rendered in the Prometheus text format for `GET /metrics`.
 *
 *   const metrics = createServerMetrics({ connectionCounts, sessionsLoaded })
 *   metrics.recordAppend({ updates: 1, bytes: 812, seconds: 0.0004 })
 *   response.end(await metrics.render())
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { POLICY_ACTIONS, type PolicyAction } from '../../shared/policy/message-policy.ts'
import type { SecurityEvent } from '../auth/security-event.ts'

/** Transports a connection can use, as the `transport` label of `lifeline_connections`. */
export type TransportLabel = 'websocket' | 'sse' | 'long-poll'

/** Live values read at scrape time. */
export interface MetricSources {
  /** Open connections per transport. */
  readonly connectionCounts: () => Readonly<Record<TransportLabel, number>>
  /** Session documents loaded in memory. */
  readonly sessionsLoaded: () => number
  /**
   * Session webhook dead letters stored, of every endpoint, as this node knows them (PROTOCOL.md §9.12): a count kept
   * up to date, not a read of the store; absent: the gauge reads 0.
   */
  readonly webhookDeadLetters?: () => number
}

/** The metrics of one server. */
export interface ServerMetrics {
  readonly registry: Registry
  /** `content-type` of {@link ServerMetrics.render}'s output. */
  readonly contentType: string
  /** Counts one successful UpdateLog append call and observes its latency. */
  recordAppend(append: { updates: number; bytes: number; seconds: number }): void
  /** Counts one failed UpdateLog append call and observes its latency. */
  recordAppendFailure(seconds: number): void
  /** Counts characters of agent text (assistant text or reasoning parts) applied to a session. */
  recordAgentText(part: 'text' | 'reasoning', chars: number): void
  /** Counts rejected updates (by rule), failed authentications (by code), bad frames (by reason) and destructive actions (by action and outcome). */
  recordSecurityEvent(event: SecurityEvent): void
  /** Counts one quarantined entry of `root` found when a session loaded (PROTOCOL.md §1.3). */
  recordQuarantined(root: string): void
  /** Counts one decision of the message policy (PROTOCOL.md §8.8) by its action; a failed policy counts as `reject`. */
  recordPolicyDecision(action: PolicyAction): void
  /** Counts one session webhook attempt by outcome: delivered, failed (retried) or dead_lettered. */
  recordWebhookDelivery(outcome: 'delivered' | 'failed' | 'dead_lettered'): void
  /** Counts one step of the retention sweep (PROTOCOL.md §13): a session archived, erased, or whose step failed. */
  recordRetention(step: 'archived' | 'deleted' | 'failed'): void
  /** Every metric in the Prometheus text exposition format. */
  render(): Promise<string>
}

/** Append latency buckets, in seconds: a memory log answers in tens of µs, an fsync'd group commit in ms. */
const PERSIST_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
]

const TRANSPORTS: readonly TransportLabel[] = ['websocket', 'sse', 'long-poll']

/** Creates the registry and its metrics. */
export function createServerMetrics(sources: MetricSources): ServerMetrics {
  const registry = new Registry()
  const registers = [registry]
  new Gauge({
    name: 'lifeline_connections',
    help: 'Open client connections by transport (sse and long-poll are the HTTP fallback).',
    labelNames: ['transport'],
    registers,
    collect() {
      const counts = sources.connectionCounts()
      for (const transport of TRANSPORTS) this.set({ transport }, counts[transport])
    },
  })
  new Gauge({
    name: 'lifeline_sessions_loaded',
    help: 'Session documents loaded in memory.',
    registers,
    collect() {
      this.set(sources.sessionsLoaded())
    },
  })
  const updatesAppended = new Counter({
    name: 'lifeline_updates_appended_total',
    help: 'Updates appended to the update log.',
    registers,
  })
  const bytesAppended = new Counter({
    name: 'lifeline_update_bytes_appended_total',
    help: 'Bytes of updates appended to the update log.',
    registers,
  })
  const appendFailures = new Counter({
    name: 'lifeline_persist_failures_total',
    help: 'UpdateLog append calls that failed.',
    registers,
  })
  const persistSeconds = new Histogram({
    name: 'lifeline_persist_duration_seconds',
    help: 'Latency of UpdateLog append calls (persist-before-ack), failed ones included.',
    buckets: PERSIST_BUCKETS_SECONDS,
    registers,
  })
  const agentText = new Counter({
    name: 'lifeline_agent_text_chars_total',
    help: 'Characters of agent text applied to sessions, by part type; tokens/s is about rate() / 4.',
    labelNames: ['part'],
    registers,
  })
  const rejected = new Counter({
    name: 'lifeline_rejected_updates_total',
    help: 'Updates and awareness states refused by governance, by rule (PROTOCOL.md §8.3).',
    labelNames: ['kind', 'reason'],
    registers,
  })
  const badFrames = new Counter({
    name: 'lifeline_bad_frames_total',
    help: 'Inbound frames refused as bad frames before Hocuspocus read them, by reason (PROTOCOL.md §2.5).',
    labelNames: ['reason'],
    registers,
  })
  const authFailures = new Counter({
    name: 'lifeline_auth_failures_total',
    help: 'Connections refused or closed by token checks, by error code (expiries during a connection included).',
    labelNames: ['code'],
    registers,
  })
  const destructiveActions = new Counter({
    name: 'lifeline_destructive_actions_total',
    help: 'Destructive and administrative actions on sessions (delete), done (outcome="allowed") or refused.',
    labelNames: ['action', 'outcome'],
    registers,
  })
  const policyDecisions = new Counter({
    name: 'lifeline_policy_decisions_total',
    help: 'Decisions of the message policy on user messages and agent token runs, by action (PROTOCOL.md §8.8).',
    labelNames: ['action'],
    registers,
  })
  // Every action's series exists from the start, at 0, so a rate over it is defined before the first decision; each is
  // bound once, as a decision is counted for every token run.
  const policyDecisionCounts = new Map(POLICY_ACTIONS.map((action) => [action, policyDecisions.labels({ action })]))
  for (const count of policyDecisionCounts.values()) count.inc(0)
  const quarantined = new Counter({
    name: 'lifeline_quarantined_entries_total',
    help: 'Stored session entries that do not fit the schema, found when sessions load (counted at every load), by root.',
    labelNames: ['root'],
    registers,
  })
  const webhookDeliveries = new Counter({
    name: 'lifeline_webhook_deliveries_total',
    help: 'Session webhook attempts by outcome: delivered, failed (to be retried) or dead_lettered (the last one failed).',
    labelNames: ['outcome'],
    registers,
  })
  new Gauge({
    name: 'lifeline_webhook_dead_letters',
    help: 'Session webhook events in dead-letter lists, of every endpoint, as stored and known to this node.',
    registers,
    collect() {
      this.set(sources.webhookDeadLetters?.() ?? 0)
    },
  })
  const retention = {
    archived: new Counter({
      name: 'lifeline_retention_archived_total',
      help: 'Finished sessions written to the retention archive (PROTOCOL.md §13).',
      registers,
    }),
    deleted: new Counter({
      name: 'lifeline_retention_deleted_total',
      help: 'Sessions erased by the retention sweep once expired.',
      registers,
    }),
    failed: new Counter({
      name: 'lifeline_retention_failures_total',
      help: 'Retention steps that failed (mostly archive writes); the session is kept and tried again next sweep.',
      registers,
    }),
  }

  return {
    registry,
    contentType: registry.contentType,
    recordAppend({ updates, bytes, seconds }) {
      updatesAppended.inc(updates)
      bytesAppended.inc(bytes)
      persistSeconds.observe(seconds)
    },
    recordAppendFailure(seconds) {
      appendFailures.inc()
      persistSeconds.observe(seconds)
    },
    recordAgentText(part, chars) {
      if (chars > 0) agentText.inc({ part }, chars)
    },
    recordSecurityEvent(event) {
      if (event.kind === 'update-rejected' || event.kind === 'awareness-rejected') {
        const reason = event.error.details.reason
        rejected.inc({
          kind: event.kind === 'update-rejected' ? 'update' : 'awareness',
          reason: typeof reason === 'string' ? reason : 'unknown',
        })
      } else if (event.kind === 'authentication-failed' || event.kind === 'token-expired') {
        authFailures.inc({ code: event.error.code })
      } else if (event.action !== undefined && event.outcome !== undefined) {
        destructiveActions.inc({ action: event.action, outcome: event.outcome })
      } else if (event.kind === 'bad-frame') {
        badFrames.inc({ reason: String(event.error.details.reason) })
      }
    },
    recordPolicyDecision(action) {
      policyDecisionCounts.get(action)?.inc()
    },
    recordRetention(step) {
      retention[step].inc()
    },
    recordQuarantined(root) {
      quarantined.inc({ root })
    },
    recordWebhookDelivery(outcome) {
      webhookDeliveries.inc({ outcome })
    },
    render: async () => await registry.metrics(),
  }
}

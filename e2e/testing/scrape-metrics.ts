/**
 * Scrapes a server's `GET /metrics` and reads samples from the Prometheus text format, for tests that check how
 * real traffic moved the metrics.
 */
import { ROUTES } from '../../shared/protocol/routes.ts'

/** One scrape. */
export interface MetricSamples {
  /** The sample `name` with exactly `labels`, or undefined when the server did not report it. */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined
}

/** GET /metrics with an optional bearer token; resolves the HTTP status and, on 200, the samples. */
export async function scrapeMetrics(
  baseUrl: string,
  token?: string,
): Promise<{ status: number; samples: MetricSamples }> {
  const response = await fetch(`${baseUrl}${ROUTES.METRICS}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  const text = await response.text()
  const values = new Map<string, number>()
  if (response.status === 200) {
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line)
      if (match !== null) values.set(sampleKey(match[1] ?? '', parseLabels(match[2] ?? '')), Number(match[3]))
    }
  }
  return { status: response.status, samples: { value: (name, labels = {}) => values.get(sampleKey(name, labels)) } }
}

/** Scrapes and returns one sample; fails the scrape unless it answers 200. */
export async function metricValue(
  baseUrl: string,
  token: string | undefined,
  name: string,
  labels?: Readonly<Record<string, string>>,
): Promise<number | undefined> {
  const { status, samples } = await scrapeMetrics(baseUrl, token)
  if (status !== 200) throw new Error(`GET /metrics answered ${status}`)
  return samples.value(name, labels)
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1] ?? ''] = match[2] ?? ''
  return labels
}

function sampleKey(name: string, labels: Readonly<Record<string, string>>): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`
}

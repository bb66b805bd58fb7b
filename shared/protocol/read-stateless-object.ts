/**
 * Reads the JSON object of one of Lifeline's stateless payloads (PROTOCOL.md §10.3): the session-limits
 * announcement, the update-rejected notice and the close notice all share this envelope, `{ "type": …, … }`.
 */

/** The payload's fields when it is a JSON object whose `type` is `type`; undefined for anything else. */
export function readStatelessObject(payload: string, type: string): Record<string, unknown> | undefined {
  let body: unknown
  try {
    body = JSON.parse(payload)
  } catch {
    return undefined // reason: not JSON, so not one of ours; clients ignore such payloads
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const fields = body as Record<string, unknown>
  return fields.type === type ? fields : undefined
}

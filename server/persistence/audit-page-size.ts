/**
 * The page size every UpdateLog applies to readAudit: the requested limit (a whole number; the default when it is
 * missing or not finite), clamped to 0…MAX_AUDIT_PAGE.
 */
import { MAX_AUDIT_PAGE } from './update-log.ts'

/** Default page size of readAudit. */
export const DEFAULT_AUDIT_PAGE = 100

/** The number of audit rows to return for a requested `limit`. */
export function auditPageSize(limit: number | undefined): number {
  const requested = limit !== undefined && Number.isFinite(limit) ? Math.floor(limit) : DEFAULT_AUDIT_PAGE
  return Math.max(0, Math.min(MAX_AUDIT_PAGE, requested))
}

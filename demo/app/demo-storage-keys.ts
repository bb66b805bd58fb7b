/**
 * The localStorage keys of the demo chat page: the principal id a browser keeps across reloads, the token taken
 * from a `#token=…` link, the last fetched session list and the transcript snapshots. Tests that read the page's
 * storage import them from here.
 */

/** localStorage keys of the demo page. */
export const DEMO_STORAGE_KEYS = {
  /** The principal id this browser writes as (when no token names one). */
  PRINCIPAL: 'lifeline.principal',
  /** The bearer token from the last `#token=…` link. */
  TOKEN: 'lifeline.token',
  /** The session list as last fetched, shown when the page loads with no network. */
  SESSION_LIST: 'lifeline.sessions',
  /** Prefix of a session's transcript snapshot (the session id follows), drawn before the page's script loads. */
  TRANSCRIPT_SNAPSHOT: 'lifeline.transcript:',
} as const

/**
 * deviceLabel: how this browser names itself to the other people of a session — "phone", "tablet" or "computer" —
 * so presence reads "Alice: computer, phone" and attribution "Stopped by Bob, phone".
 */

/** The kind of device the page runs on, from the user agent. */
export function deviceLabel(userAgent: string): string {
  if (/iPad|Tablet/i.test(userAgent)) return 'tablet'
  if (/Mobi|iPhone|Android/i.test(userAgent)) return 'phone'
  return 'computer'
}

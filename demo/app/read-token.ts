/**
 * readToken: the bearer token of the demo page. A `#token=…` link (the one `npm start` prints) is kept in
 * localStorage and removed from the address bar; later visits reuse the kept token.
 */
import { DEMO_STORAGE_KEYS } from './demo-storage-keys.ts'

/** The token from a `#token=…` link (then removed from the address bar), else the one kept from an earlier link. */
export function readToken(): string | undefined {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token')
  if (fromLink !== null && fromLink !== '') {
    localStorage.setItem(DEMO_STORAGE_KEYS.TOKEN, fromLink)
    history.replaceState(null, '', `${location.pathname}${location.search}`)
  }
  return localStorage.getItem(DEMO_STORAGE_KEYS.TOKEN) ?? undefined
}

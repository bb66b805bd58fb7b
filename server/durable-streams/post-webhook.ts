/**
 * One webhook POST bounded by a timeout, without following redirects (a redirect could lead past the URL check,
 * PROTOCOL.md §9.10). The timeout is a timer held for the request and cleared when it settles: a per-request
 * `AbortSignal.timeout` combined with `AbortSignal.any` was seen to keep requests and timers alive after they ended.
 */

/** What {@link postWebhook} sends. */
export interface WebhookPost {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The request fails after this long, in ms. */
  readonly timeoutMs: number
  /** Aborts the request early (the server is closing). */
  readonly signal?: AbortSignal
}

/** How a receiver answered: its status and body, or the reason it did not (`error`). */
export type WebhookAnswer =
  | { readonly status: number; readonly text: string }
  | { readonly error: 'timeout' | 'aborted' | 'network' }

/** Posts the request; never throws: a refused connection, a reset, the timeout or an abort resolve as `error`. */
export async function postWebhook(post: WebhookPost): Promise<WebhookAnswer> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, post.timeoutMs)
  const abort = (): void => controller.abort()
  post.signal?.addEventListener('abort', abort, { once: true })
  try {
    if (post.signal?.aborted === true) return { error: 'aborted' }
    const response = await fetch(post.url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json', ...post.headers },
      body: post.body,
      signal: controller.signal,
    })
    return { status: response.status, text: await response.text() }
  } catch {
    // reason: every failure of the request is an answer of its own kind, retried by the caller
    return { error: timedOut ? 'timeout' : controller.signal.aborted ? 'aborted' : 'network' }
  } finally {
    clearTimeout(timer)
    post.signal?.removeEventListener('abort', abort)
  }
}

/**
 * byTestId: the demo page's one way to find its elements, by the `data-testid` the specs also use, so a renamed or
 * missing element fails loudly at start-up instead of leaving a control silently unbound.
 */

/** The element with `data-testid="id"`; throws when the page has none. */
export const byTestId = <T extends HTMLElement>(id: string): T => {
  const element = document.querySelector<T>(`[data-testid="${id}"]`)
  if (element === null) throw new Error(`missing element ${id}`)
  return element
}

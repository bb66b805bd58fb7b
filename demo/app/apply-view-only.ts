/**
 * applyViewOnly: an observer (token role `observer`) may read a session but write nothing, so its page shows a
 * "view only" note instead of the composer, the steer form and the Stop buttons.
 */
import { byTestId } from './by-test-id.ts'

/** Hides every writing control and shows the view-only note. */
export function applyViewOnly(): void {
  byTestId('view-only-note').hidden = false
  byTestId('composer').remove()
  byTestId('steer-form').remove()
  document.querySelector('.skip-link')?.remove()
}

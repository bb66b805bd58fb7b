/**
 * renderSessionView: the inspector's view of one session as HTML — status, transport, token rate, then tables of
 * messages (with status), runs (state, heartbeat age), steering entries (handled or pending) and presence. Pure:
 * it reads plain views, so the page re-renders it on every change and every second (ages and the rate move).
 */
import type { MessageView, RunView, SteerView } from '../../shared/session/session-schema.ts'
import type { PresenceMember } from '../core/presence.ts'
import { CHARS_PER_TOKEN } from './token-rate.ts'

/** Everything the view shows. */
export interface SessionViewModel {
  readonly sessionId: string
  readonly status: string
  readonly transport: string | undefined
  readonly charsPerSecond: number
  readonly messages: readonly MessageView[]
  readonly runs: readonly RunView[]
  readonly steering: readonly SteerView[]
  readonly presence: readonly PresenceMember[]
  readonly nowMs: number
}

/** Longest tail of a message's text shown. */
const TEXT_TAIL_CHARS = 160

/** The view's HTML; every value from the session is escaped. */
export function renderSessionView(model: SessionViewModel): string {
  const rate = Math.round(model.charsPerSecond)
  return `
    <div class="head">
      <h2 data-testid="inspected-session">${escapeHtml(model.sessionId)}</h2>
      <span class="pill" data-testid="inspector-status" data-status="${escapeHtml(model.status)}">${escapeHtml(model.status)}</span>
      <span class="pill" data-testid="inspector-transport">${escapeHtml(model.transport ?? '—')}</span>
      <span class="rate" data-testid="token-rate" data-chars-per-second="${rate}">${rate} chars/s <small>≈ ${Math.round(rate / CHARS_PER_TOKEN)} tokens/s</small></span>
    </div>
    ${table(
      'Messages',
      'inspector-messages',
      ['Role', 'Author', 'Status', 'Chars', 'Text (end)'],
      model.messages.map((message) =>
        row(
          `data-testid="inspector-message" data-message-id="${escapeHtml(message.id)}" data-role="${escapeHtml(message.role)}" data-status="${escapeHtml(message.status)}"`,
          [
            message.role,
            message.author,
            { state: message.status },
            String(message.text.length),
            { text: tail(message.text) },
          ],
        ),
      ),
    )}
    ${table(
      'Runs',
      'inspector-runs',
      ['Run', 'Agent', 'State', 'Heartbeat', 'Duration'],
      model.runs.map((run) =>
        row(`data-testid="inspector-run" data-state="${escapeHtml(run.state)}"`, [
          run.id,
          run.agent,
          { state: run.state },
          `${seconds(model.nowMs - run.heartbeatAt)} ago`,
          seconds((run.endedAt ?? model.nowMs) - run.startedAt),
        ]),
      ),
    )}
    ${table(
      'Steering',
      'inspector-steering',
      ['Kind', 'Author', 'Target', 'Text', 'Handled'],
      model.steering.map((steer) =>
        row(`data-testid="inspector-steer" data-handled="${steer.handledBy !== undefined}"`, [
          steer.kind,
          steer.author,
          steer.target ?? '',
          { text: steer.text ?? '' },
          { state: steer.handledBy === undefined ? 'pending' : `by ${steer.handledBy}` },
        ]),
      ),
    )}
    ${table(
      'Presence',
      'inspector-presence',
      ['Principal', 'Role', 'Device'],
      model.presence.map((member) =>
        row(`data-testid="inspector-member" data-role="${escapeHtml(member.role)}"`, [
          member.self ? `${member.principalId} (this page)` : member.principalId,
          member.role,
          member.device ?? '',
        ]),
      ),
    )}`
}

type Cell = string | { readonly state: string } | { readonly text: string }

function table(title: string, testId: string, headings: readonly string[], rows: readonly string[]): string {
  const body = rows.length === 0 ? `<tr><td class="empty" colspan="${headings.length}">none</td></tr>` : rows.join('')
  return `<section data-testid="${testId}"><h3>${title} (${rows.length})</h3><table><thead><tr>${headings.map((heading) => `<th>${heading}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></section>`
}

function row(attributes: string, cells: readonly Cell[]): string {
  const html = cells.map((cell) => {
    if (typeof cell === 'string') return `<td>${escapeHtml(cell)}</td>`
    if ('state' in cell) return `<td class="state">${escapeHtml(cell.state)}</td>`
    return `<td class="text">${escapeHtml(cell.text)}</td>`
  })
  return `<tr ${attributes}>${html.join('')}</tr>`
}

function tail(text: string): string {
  return text.length <= TEXT_TAIL_CHARS ? text : `…${text.slice(-TEXT_TAIL_CHARS)}`
}

function seconds(ms: number): string {
  return `${Math.max(0, ms / 1000).toFixed(1)} s`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}

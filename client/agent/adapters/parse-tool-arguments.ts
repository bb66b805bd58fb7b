/**
 * Parses the JSON arguments string of an OpenAI tool call. The API's own docs warn that models do not always
 * produce valid JSON (and a reply cut at the token limit never does), so a bad string is kept, not thrown.
 */
import type { NewToolCall } from '../../../shared/session/session-doc.ts'

/**
 * `{ input }` with the parsed arguments (`{}` for an empty string, as some OpenAI-compatible servers send for tools
 * without parameters), or `{ input: text, inputError: 'INVALID_JSON' }` when `text` is not JSON.
 */
export function parseToolArguments(text: string): Pick<NewToolCall, 'input' | 'inputError'> {
  if (text.trim() === '') return { input: {} }
  try {
    return { input: JSON.parse(text) as unknown }
  } catch {
    // reason: invalid JSON is model output to keep, flagged with a code, not a failure of the reply
    return { input: text, inputError: 'INVALID_JSON' }
  }
}

/**
 * A test-only stand-in for the browser's Prompt API, for the browser docs examples (e2e/specs/docs-browser-examples.spec.ts),
 * because Chromium here has no built-in model and weights cannot be downloaded in tests: it installs a global
 * `LanguageModel` whose `create()` resolves the deterministic model of demo/app/local-language-model.ts, so an
 * example's `LanguageModel.create()` and `promptStreaming` run unchanged through `fromPromptApiStream`.
 */
import { createLocalLanguageModel, type LocalLanguageModel } from '../../demo/app/local-language-model.ts'

/** Installs `LanguageModel` on the global scope (a page's or a worker's). */
export function installPromptApiStandIn(): void {
  const LanguageModel = {
    create: async (): Promise<LocalLanguageModel> => createLocalLanguageModel({ tokenIntervalMs: 1 }),
  }
  Object.assign(globalThis, { LanguageModel })
}

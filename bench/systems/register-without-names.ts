/**
 * Registers load-without-names.ts for the process it is imported into (`--import`), after tsx.
 */
import { register } from 'node:module'

register('./load-without-names.ts', import.meta.url)

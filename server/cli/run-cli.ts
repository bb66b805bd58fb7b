/**
 * Command-line handling for the project's scripts (`npm run token`, `bench`, `chaos:kill`, `fuzz`): `--help` prints
 * the usage and exits 0; an unknown option or a bad value prints `error: …` and the usage on stderr and exits 2,
 * without a stack trace. Scripts parse with node:util `parseArgs` inside `parse` and check values with the helpers below.
 */

/** A bad command line: its message is shown to the user as it is. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
}

/** Returns what `parse` makes of the command line's arguments, or exits as described above. */
export function runCli<T>(usage: string, parse: (args: string[]) => T): T {
  const args = process.argv.slice(2)
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage)
    process.exit(0)
  }
  try {
    return parse(args)
  } catch (error) {
    if (!isUsageError(error)) throw error
    console.error(`error: ${error.message}\n\n${usage}`)
    process.exit(2)
  }
}

/** `raw` as an integer of at least `min` (default 1). @throws CliUsageError */
export function integerOption(option: string, raw: string, min = 1): number {
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < min) {
    throw new CliUsageError(`--${option} needs an integer of at least ${min}, got ${JSON.stringify(raw)}`)
  }
  return value
}

/** `raw` if it is one of `allowed`. @throws CliUsageError */
export function oneOf<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw))
    throw new CliUsageError(`--${option} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`)
  return raw as T
}

/** CliUsageError, or parseArgs' own errors (unknown option, missing value). */
function isUsageError(error: unknown): error is Error {
  if (error instanceof CliUsageError) return true
  const code = (error as { code?: unknown } | null)?.code
  return error instanceof TypeError && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')
}

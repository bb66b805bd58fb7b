/**
 * The glob of a subscription's `pattern` (PROTOCOL.md §9.10): over `/`-separated stream paths, `*` matches one whole
 * segment and `**` zero or more segments; any other segment matches itself literally.
 */

/** Whether stream `path` matches `pattern`. */
export function matchStreamGlob(pattern: string, path: string): boolean {
  return matchSegments(pattern.split('/'), 0, path.split('/'), 0)
}

function matchSegments(pattern: readonly string[], p: number, path: readonly string[], s: number): boolean {
  if (p === pattern.length) return s === path.length
  const segment = pattern[p]
  if (segment === '**') {
    for (let skip = s; skip <= path.length; skip++) if (matchSegments(pattern, p + 1, path, skip)) return true
    return false
  }
  if (s === path.length) return false
  return (segment === '*' || segment === path[s]) && matchSegments(pattern, p + 1, path, s + 1)
}

/**
 * parseStoreUrl: the store URL form of LIFELINE_STORE, shared by the update log and the stream store that lives
 * beside it: `postgres://…` (or `postgresql://…`, optional `?schema=`) selects PostgreSQL; a file path or
 * `sqlite:<path>` selects SQLite.
 */

/** Default store: an SQLite file under ./data. */
export const DEFAULT_STORE = './data/lifeline.sqlite'

/** Where a store lives. */
export type StoreLocation =
  | { readonly kind: 'postgres'; readonly connectionString: string; readonly schema?: string }
  | { readonly kind: 'sqlite'; readonly path: string }

/** Splits `store` into the backend and its address (the `schema` parameter is taken out of the connection string). */
export function parseStoreUrl(store: string): StoreLocation {
  if (!/^postgres(ql)?:\/\//.test(store))
    return { kind: 'sqlite', path: store.startsWith('sqlite:') ? store.slice('sqlite:'.length) : store }
  const url = new URL(store)
  const schema = url.searchParams.get('schema') ?? undefined
  url.searchParams.delete('schema')
  return { kind: 'postgres', connectionString: url.toString(), ...(schema === undefined ? {} : { schema }) }
}

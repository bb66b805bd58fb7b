/**
 * heapBreakdown: where a server's heap goes, read from a V8 heap snapshot (`v8.writeHeapSnapshot`). Every object is
 * attributed to the first of its retainers, on the shortest path from the GC roots, that names a component: a
 * constructor of COMPONENT_ROOTS (the Hocuspocus document, its awareness, a connection's objects, a Yjs scratch
 * copy), or a Map, Set or WeakMap held in a closure variable (the per-session maps of the server's extensions, named
 * after the variable). What no such retainer holds is `other`. Sizes are V8's shallow sizes, so the components add
 * up to the heap the snapshot saw.
 */
import { readFileSync } from 'node:fs'

/** Constructors that start a component, and its name. */
const COMPONENT_ROOTS: Readonly<Record<string, string>> = {
  Document: 'session document (Hocuspocus Document = Y.Doc, its structs)',
  Doc: 'other Y.Doc (scratch copies)',
  Awareness: 'awareness (presence states)',
  ClientConnection: 'connection (Hocuspocus)',
  Connection: 'connection (Hocuspocus)',
  WebSocket: 'connection (ws, socket, HTTP request)',
  Socket: 'connection (ws, socket, HTTP request)',
  IncomingMessage: 'connection (ws, socket, HTTP request)',
  TokenBucket: 'connection (rate buckets)',
  Timeout: 'timers',
}

/** Collections whose closure variable name labels their component. */
const NAMED_COLLECTIONS = new Set(['Map', 'Set', 'WeakMap'])

interface HeapSnapshotFile {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[]
      readonly node_types: [string[], ...unknown[]]
      readonly edge_fields: string[]
      readonly edge_types: [string[], ...unknown[]]
    }
  }
  readonly nodes: number[]
  readonly edges: number[]
  readonly strings: string[]
}

/** Bytes per component in the snapshot at `path`. */
export function heapBreakdown(path: string): Map<string, number> {
  const file = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshotFile
  const { meta } = file.snapshot
  const { nodes, edges, strings } = file
  const nodeFields = meta.node_fields.length
  const edgeFields = meta.edge_fields.length
  const [nodeTypes] = meta.node_types
  const [edgeTypes] = meta.edge_types
  const typeField = meta.node_fields.indexOf('type')
  const nameField = meta.node_fields.indexOf('name')
  const sizeField = meta.node_fields.indexOf('self_size')
  const edgeCountField = meta.node_fields.indexOf('edge_count')
  const edgeTypeField = meta.edge_fields.indexOf('type')
  const edgeNameField = meta.edge_fields.indexOf('name_or_index')
  const edgeToField = meta.edge_fields.indexOf('to_node')
  const count = nodes.length / nodeFields
  const firstEdge = new Uint32Array(count + 1)
  for (let node = 0, edge = 0; node < count; node++) {
    firstEdge[node] = edge
    edge += (nodes[node * nodeFields + edgeCountField] ?? 0) * edgeFields
  }
  firstEdge[count] = edges.length
  // Shortest-path retainers from the synthetic root (node 0), weak edges left out.
  const parent = new Int32Array(count).fill(-1)
  const parentEdge = new Int32Array(count).fill(-1)
  parent[0] = 0
  const queue = new Int32Array(count)
  let tail = 1
  for (let head = 0; head < tail; head++) {
    const node = queue[head] ?? 0
    for (let edge = firstEdge[node] ?? 0; edge < (firstEdge[node + 1] ?? 0); edge += edgeFields) {
      const kind = edgeTypes[edges[edge + edgeTypeField] ?? 0]
      if (kind === 'weak' || kind === 'shortcut') continue
      const to = (edges[edge + edgeToField] ?? 0) / nodeFields
      if (parent[to] !== -1) continue
      parent[to] = node
      parentEdge[to] = edge
      queue[tail++] = to
    }
  }
  const nameOf = (node: number): string => strings[nodes[node * nodeFields + nameField] ?? 0] ?? ''
  const isObject = (node: number): boolean => nodeTypes[nodes[node * nodeFields + typeField] ?? 0] === 'object'
  /** The component `node` starts, if any. */
  const ownComponent = (node: number): string | undefined => {
    if (!isObject(node)) return undefined
    const name = nameOf(node)
    const root = COMPONENT_ROOTS[name]
    if (root !== undefined) return root
    if (!NAMED_COLLECTIONS.has(name) || parent[node] === -1) return undefined
    const holder = parent[node] ?? 0
    if (nameOf(holder) !== 'system / Context') return undefined
    const edge = parentEdge[node] ?? 0
    return `${name} ${strings[edges[edge + edgeNameField] ?? 0] ?? '?'}`
  }
  const component: Array<string | undefined> = new Array(count)
  const bytes = new Map<string, number>()
  for (let node = 0; node < count; node++) {
    const path: number[] = []
    let found: string | undefined
    for (let at = node; ; at = parent[at] ?? 0) {
      const known = component[at]
      if (known !== undefined) {
        found = known
        break
      }
      path.push(at)
      found = ownComponent(at)
      if (found !== undefined || at === 0 || parent[at] === -1) break
    }
    const label = found ?? 'other'
    for (const at of path) component[at] ??= label
    bytes.set(label, (bytes.get(label) ?? 0) + (nodes[node * nodeFields + sizeField] ?? 0))
  }
  return bytes
}

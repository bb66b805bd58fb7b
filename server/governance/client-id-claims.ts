/**
 * Cross-node clientID claims (docs/operations.md § Scale-out, clientIDs across nodes): with several server nodes, the
 * in-memory bindings of one node (client-bindings.ts) cannot see a clientID another node bound a moment ago,
 * before that node's structs reached this one. A claim registry shared by all nodes closes that window: the
 * first principal to claim a clientID of a session keeps it; any other principal is refused on every node.
 */

/** A registry of clientID owners shared by every node serving the same sessions. */
export interface ClientIdClaims {
  /**
   * Claims `clientId` of `sessionId` for `principalId`; resolves true when it is now (or already was) that
   * principal's, false when another principal holds it.
   */
  claim(sessionId: string, clientId: number, principalId: string): Promise<boolean>
}

/**
 * useSteer: stable callbacks that steer the session's agents — stop a reply, or post any steering entry.
 */
import { useMemo } from 'react'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SteerKind } from '../../shared/session/session-schema.ts'
import type { SessionClient } from '../core/session-client.ts'

/** What {@link useSteer} returns. */
export interface SteerActions {
  /**
   * Asks the agents to stop the reply `replyId` (PROTOCOL.md §5); returns the steering entry's id.
   * @throws SessionError CONNECTION_CLOSED without a client (before mount); TEXT_TOO_LONG, UPDATE_TOO_LARGE as
   *   `client.steer`
   */
  stop(replyId: string): string
  /** Posts a steering entry, as `client.steer`. @throws SessionError as `stop` */
  steer(steer: { kind: SteerKind; target?: string; text?: string }): string
}

/** Steering callbacks for `client`, the same functions until the client changes. */
export function useSteer(client: SessionClient | undefined): SteerActions {
  return useMemo(() => {
    const steer = (entry: { kind: SteerKind; target?: string; text?: string }): string => {
      if (client === undefined) throw new SessionError('CONNECTION_CLOSED', 'the session client is not open yet')
      return client.steer(entry)
    }
    return { steer, stop: (replyId: string) => steer({ kind: 'stop', target: replyId }) }
  }, [client])
}

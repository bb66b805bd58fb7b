"""Typed errors of the Lifeline Python SDK.

Every expected failure is a :class:`SessionError` carrying one of the codes of the TypeScript table
``shared/errors/error-codes.ts`` (a test keeps this copy identical to it), with the HTTP status the server answered
and whether retrying can help. The server answers ``{"error": {"code", "message", "details"}}`` (PROTOCOL.md §5).
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

#: Every error code of the protocol: code -> (HTTP status, retryable). Append only, as in TypeScript.
ERROR_CODES: Dict[str, Tuple[int, bool]] = {
    "BAD_REQUEST": (400, False),
    "INVALID_SESSION_ID": (400, False),
    "UNAUTHORIZED": (401, False),
    "FORBIDDEN": (403, False),
    "SESSION_NOT_FOUND": (404, False),
    "ROUTE_NOT_FOUND": (404, False),
    "METHOD_NOT_ALLOWED": (405, False),
    "SESSION_EXISTS": (409, False),
    "MESSAGE_TOO_LARGE": (413, False),
    "UPDATE_REJECTED": (422, False),
    "LOG_CORRUPT": (500, False),
    "PERSISTENCE_FAILED": (503, True),
    "CONNECTION_CLOSED": (503, True),
    "TIMEOUT": (504, True),
    "REPLY_CLOSED": (409, False),
    "FALLBACK_CONNECTION_NOT_FOUND": (404, True),
    "SEQUENCE_GAP": (409, True),
    "SESSION_DELETED": (410, False),
    "TOKEN_EXPIRED": (401, False),
    "CLIENT_ID_TAKEN_OVER": (409, False),
    "STREAM_NOT_FOUND": (404, False),
    "STREAM_CONFLICT": (409, False),
    "STREAM_CLOSED": (409, False),
    "PRODUCER_FENCED": (403, False),
    "PRODUCER_SEQ_GAP": (409, True),
    "STREAM_GONE": (410, False),
    "UPDATE_TOO_LARGE": (413, False),
    "TEXT_TOO_LONG": (413, False),
    "RATE_LIMITED": (429, True),
    "NOT_SESSION_OWNER": (403, False),
    "INTERNAL_ERROR": (500, False),
    "BAD_FRAME": (400, False),
    "SUBSCRIPTION_NOT_FOUND": (404, False),
    "SUBSCRIPTION_CONFLICT": (409, False),
    "WEBHOOK_URL_REJECTED": (400, False),
    "FENCED": (409, False),
    "ALREADY_CLAIMED": (409, True),
    "STEER_ALREADY_HANDLED": (409, False),
    "AGENT_REPLY_FORBIDDEN": (403, False),
    "POLICY_REJECTED": (422, False),
    "WEBHOOK_NOT_FOUND": (404, False),
}


class SessionError(Exception):
    """An expected failure with a protocol error code.

    Attributes:
        code: one of :data:`ERROR_CODES` (``"TOKEN_EXPIRED"``, ``"FORBIDDEN"``, ...).
        message: what went wrong, for people.
        status: the HTTP status of the answer, or ``None`` when no answer came (a network failure).
        details: structured facts the server added (``{"limit": ..., "retryAfterMs": ...}``), possibly empty.
        retryable: true when trying again later can succeed (from the code's row of the table).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        details: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_CODES.get(code, (None, False))[0]
        self.details: Dict[str, Any] = dict(details or {})
        self.retryable = ERROR_CODES.get(code, (0, False))[1]


class ReplyStopped(SessionError):
    """Raised by :meth:`lifeline.Reply.write` once a device stopped or redirected the reply (code ``REPLY_CLOSED``).

    ``steer`` is the steer event that stopped it (``kind`` is ``"stop"`` or ``"redirect"``, ``text`` the redirect's
    text). Leaving the ``with`` block on this error is not a failure: the block ends quietly and the reply stays
    ``stopped``.
    """

    def __init__(self, message_id: str, steer: Mapping[str, Any]) -> None:
        super().__init__(
            "REPLY_CLOSED",
            f"reply {message_id} was {'redirected' if steer.get('kind') == 'redirect' else 'stopped'} by {steer.get('author')}",
            details={"messageId": message_id, "steerId": steer.get("steerId")},
        )
        self.steer: Dict[str, Any] = dict(steer)

"""HTTP requests to a Lifeline server on the standard library's ``http.client``.

Completed connections are kept alive and reused (an append costs one round trip, not a TCP handshake). Errors are
mapped here, once: an answer with an error body becomes its :class:`SessionError`, a failure without an answer
becomes ``CONNECTION_CLOSED`` (retryable). A ``TOKEN_EXPIRED`` answer makes a token provider issue a new token and
the request is sent once more.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .errors import SessionError
from .tokens import TokenHolder

#: Connections kept open for reuse, at most.
MAX_IDLE_CONNECTIONS = 4


class Response:
    """A complete answer: status, headers (case-insensitive) and body."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        """The body as JSON (``None`` when empty)."""
        return json.loads(self.body) if self.body else None


class HttpClient:
    """Requests to one server with one token source."""

    def __init__(self, base_url: str, tokens: TokenHolder, timeout_s: float = 30.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._prefix = parts.path.rstrip("/")
        self.tokens = tokens
        self.timeout_s = timeout_s
        self._idle: List[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def connect(self, timeout_s: Optional[float] = None) -> http.client.HTTPConnection:
        """A new connection (for a long read that holds it)."""
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=timeout_s if timeout_s is not None else self.timeout_s)

    def headers(self, extra: Optional[Mapping[str, str]] = None, token: Optional[str] = None) -> Dict[str, str]:
        """Request headers with the bearer token."""
        headers = dict(extra or {})
        token = token if token is not None else self.tokens.get()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Optional[bytes] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout_s: Optional[float] = None,
        ok: Tuple[int, ...] = (200, 201, 204),
    ) -> Response:
        """Sends a request and reads the whole answer.

        Raises:
            SessionError: the server's error (its code), ``CONNECTION_CLOSED`` when no answer came.
        """
        response = self._send(method, path, body, self.headers(headers), timeout_s)
        if response.status == 401 and self.tokens.refreshable and error_code(response) == "TOKEN_EXPIRED":
            response = self._send(method, path, body, self.headers(headers, self.tokens.refresh()), timeout_s)
        if response.status not in ok:
            raise error_from(response, self.tokens.refreshable)
        return response

    def path(self, route: str) -> str:
        """``route`` under the base URL's path."""
        return self._prefix + route

    def close(self) -> None:
        """Closes the idle connections."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _send(
        self,
        method: str,
        path: str,
        body: Optional[bytes],
        headers: Dict[str, str],
        timeout_s: Optional[float],
    ) -> Response:
        for attempt in range(2):
            connection, reused = self._take(timeout_s)
            try:
                connection.request(method, self.path(path), body=body, headers=headers)
                raw = connection.getresponse()
                data = raw.read()
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                # A kept-alive connection the server closed meanwhile fails before it is answered: a read is sent
                # again once (appends are retried by their producer, with the same seq).
                if reused and attempt == 0 and method in ("GET", "HEAD") and isinstance(
                    error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    continue
                raise SessionError("CONNECTION_CLOSED", f"{method} {path} got no answer: {error!r}") from error
            if raw.will_close:
                connection.close()
            else:
                self._give(connection)
            return Response(raw.status, raw.headers, data)
        raise AssertionError("unreachable")

    def _take(self, timeout_s: Optional[float]) -> Tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            connection = self._idle.pop() if self._idle else None
        if connection is None:
            return self.connect(timeout_s), False
        if connection.sock is not None:
            connection.sock.settimeout(timeout_s if timeout_s is not None else self.timeout_s)
        return connection, True

    def _give(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_IDLE_CONNECTIONS:
                self._idle.append(connection)
                return
        connection.close()


def error_code(response: Response) -> Optional[str]:
    """The error code of an error answer, if its body has one."""
    try:
        body = json.loads(response.body)
        code = body.get("error", {}).get("code")
        return code if isinstance(code, str) else None
    except (ValueError, AttributeError):
        return None


def error_from(response: Response, refreshable: bool = True) -> SessionError:
    """The :class:`SessionError` of an error answer (``INTERNAL_ERROR`` when its body is not one)."""
    try:
        error = json.loads(response.body).get("error", {})
    except (ValueError, AttributeError):
        error = {}
    code = error.get("code") if isinstance(error.get("code"), str) else None
    message = error.get("message") if isinstance(error.get("message"), str) else ""
    if code is None:
        code = {409: "PRODUCER_SEQ_GAP", 403: "FORBIDDEN", 404: "ROUTE_NOT_FOUND"}.get(response.status, "INTERNAL_ERROR")
        message = message or f"the server answered {response.status}"
    if code == "TOKEN_EXPIRED" and not refreshable:
        message += "; pass a token provider (a callable returning a fresh token) to refresh tokens"
    details = error.get("details") if isinstance(error.get("details"), dict) else {}
    retry_after = response.headers.get("Retry-After")
    if retry_after is not None and "retryAfterMs" not in details and retry_after.isdigit():
        details = {**details, "retryAfterMs": int(retry_after) * 1000}
    return SessionError(code, message, status=response.status, details=details)


def shutdown(connection: http.client.HTTPConnection) -> None:
    """Ends a connection from another thread: a read blocked on it returns at once."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # reason: already closed by the peer
    connection.close()

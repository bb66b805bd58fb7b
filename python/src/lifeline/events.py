"""Following a session's event stream (PROTOCOL.md §9.2, §9.6): catch up, then follow live.

Live reads use Server-Sent Events and fall back to long-polling when SSE does not work: when no SSE frame arrives
within ``sse_hello_timeout_s`` (a proxy buffering the stream; the server sends a control frame at once) or when SSE
connections keep failing before their first frame (a proxy cutting them). SSE is tried again after ``sse_retry_s``.
After any drop the stream resumes from the offset after the last event it handed out, so no event is repeated or
skipped. Each event carries its own offset, computed from the bytes of the stream (offsets count the messages and
bytes before them), so a process that persists the offset of the last event it handled resumes exactly after it.
"""
from __future__ import annotations

import collections
import http.client
import json
import random
import socket
import threading
import time
from typing import Any, Deque, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode

from ._http import HttpClient, Response, error_code, error_from, shutdown
from .errors import SessionError

#: The offset before the first event of a stream.
START_OFFSET = "-1"
#: How live reads are made: ``auto`` (SSE, falling back to long-poll), ``sse`` or ``long-poll`` only.
TRANSPORTS = ("auto", "sse", "long-poll")


class Event(Mapping[str, Any]):
    """One session event (``shared/protocol/session-events.ts``): read it like a dict (``event["type"]``).

    ``offset`` is the stream offset just after this event: reading from it yields the events that follow.
    """

    __slots__ = ("_data", "offset")

    def __init__(self, data: Dict[str, Any], offset: str) -> None:
        self._data = data
        self.offset = offset

    @property
    def type(self) -> str:
        """The event type: ``message.created``, ``message.delta``, ``steer``, ``presence``, ..."""
        return str(self._data.get("type"))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Event({self._data!r}, offset={self.offset!r})"


def stream_path(session_id: str) -> str:
    """Path of a session's event stream."""
    return f"/v1/stream/sessions/{quote(session_id, safe='')}"


class EventStream(Iterator[Event]):
    """An iterator over a session's events from ``offset``; with ``live`` it never ends until :meth:`close`.

    Attributes:
        offset: the offset after the last event handed out (persist it to resume after a restart).
        transport: how the last read was made: ``catch-up``, ``sse`` or ``long-poll``.
        reconnects: how many times a live read was resumed after a drop, a failure or a server-side end.
    """

    def __init__(
        self,
        http: HttpClient,
        session_id: str,
        offset: str = START_OFFSET,
        *,
        live: bool = True,
        transport: str = "auto",
        sse_hello_timeout_s: float = 3.0,
        idle_timeout_s: float = 45.0,
        sse_retry_s: float = 30.0,
        max_backoff_s: float = 2.0,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}, got {transport!r}")
        self._http = http
        self._path = stream_path(session_id)
        self.offset = offset
        self._live = live
        self._mode = transport
        self._hello_s = sse_hello_timeout_s
        self._idle_s = idle_timeout_s
        self._sse_retry_s = sse_retry_s
        self._max_backoff_s = max_backoff_s
        self.transport = "catch-up"
        self.reconnects = 0
        self._pending: Deque[Event] = collections.deque()
        self._cursor: Optional[str] = None
        self._sse: Optional[Tuple[http.client.HTTPConnection, http.client.HTTPResponse]] = None
        self._sse_frames = 0
        self._sse_failures = 0
        self._sse_off_until = 0.0
        self._failures = 0
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._at_tail = False

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> Event:
        while not self._pending:
            if self._closed.is_set():
                raise StopIteration
            if not self._read_some():
                raise StopIteration
        event = self._pending.popleft()
        self.offset = event.offset
        return event

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    def close(self) -> None:
        """Ends the stream; a read blocked in another thread returns and the iterator stops."""
        self._closed.set()
        with self._lock:
            sse, self._sse = self._sse, None
        if sse is not None:
            shutdown(sse[0])

    # One round of reading; False when a catch-up stream reached the tail.
    def _read_some(self) -> bool:
        try:
            if not self._live:
                return self._catch_up()
            if self._mode != "long-poll" and (self._mode == "sse" or time.monotonic() >= self._sse_off_until):
                self._read_sse()
            else:
                self._long_poll()
            self._failures = 0
        except SessionError as error:
            if self._closed.is_set():
                return False
            if not error.retryable:
                raise
            self._failures += 1
            self.reconnects += 1
            delay = min(self._max_backoff_s, 0.05 * 2 ** min(self._failures, 6)) * (0.5 + random.random() / 2)
            retry_after = error.details.get("retryAfterMs")
            if isinstance(retry_after, (int, float)):
                delay = max(delay, retry_after / 1000)
            self._closed.wait(delay)
        return True

    def _catch_up(self) -> bool:
        if self._at_tail:
            return False
        self.transport = "catch-up"
        response = self._http.request("GET", f"{self._path}?{urlencode({'offset': self._last_offset()})}")
        self._take_batch(response.body, response.headers.get("Stream-Next-Offset"))
        self._at_tail = response.headers.get("Stream-Up-To-Date") == "true"
        return True

    def _long_poll(self) -> None:
        self.transport = "long-poll"
        query = {"offset": self._last_offset(), "live": "long-poll"}
        if self._cursor is not None:
            query["cursor"] = self._cursor
        response = self._http.request("GET", f"{self._path}?{urlencode(query)}", timeout_s=self._idle_s)
        self._cursor = response.headers.get("Stream-Cursor") or self._cursor
        if response.status == 200:
            self._take_batch(response.body, response.headers.get("Stream-Next-Offset"))

    def _read_sse(self) -> None:
        self.transport = "sse"
        with self._lock:
            sse = self._sse
        if sse is None:
            sse = self._open_sse()
        connection, response = sse
        try:
            frame = self._next_sse_frame(response)
        # AttributeError: http.client's reader after close() shut the connection from another thread.
        except (OSError, http.client.HTTPException, ValueError, AttributeError) as error:
            self._drop_sse()
            if self._closed.is_set():
                return
            buffered = isinstance(error, socket.timeout) and self._sse_frames == 0
            self._sse_failures += 0 if self._sse_frames > 0 else 1
            if self._mode == "auto" and (buffered or self._sse_failures >= 2):
                self._sse_off_until = time.monotonic() + self._sse_retry_s
                self._sse_failures = 0
            raise SessionError("CONNECTION_CLOSED", f"the event stream was cut: {error!r}") from error
        if frame is None:  # the server ended the response (sseReconnectMs): resume from the offset
            self._drop_sse()
            self.reconnects += 1
            return
        if self._sse_frames == 0 and connection.sock is not None:
            connection.sock.settimeout(self._idle_s)
        self._sse_frames += 1
        self._sse_failures = 0
        data, control = frame
        if data is not None:
            self._take_batch(data.encode("utf-8"), control.get("streamNextOffset"))
        cursor = control.get("streamCursor")
        if isinstance(cursor, str):
            self._cursor = cursor

    def _open_sse(self) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        query = {"offset": self._last_offset(), "live": "sse"}
        if self._cursor is not None:
            query["cursor"] = self._cursor
        connection = self._http.connect(self._hello_s)
        try:
            connection.request(
                "GET",
                self._http.path(f"{self._path}?{urlencode(query)}"),
                headers=self._http.headers({"Accept": "text/event-stream"}),
            )
            response = connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            self._sse_failures += 1
            if self._mode == "auto" and (isinstance(error, socket.timeout) or self._sse_failures >= 2):
                self._sse_off_until = time.monotonic() + self._sse_retry_s
                self._sse_failures = 0
            raise SessionError("CONNECTION_CLOSED", f"the event stream could not be opened: {error!r}") from error
        if response.status != 200:
            answer = Response(response.status, response.headers, response.read())
            connection.close()
            if answer.status == 401 and self._http.tokens.refreshable and error_code(answer) == "TOKEN_EXPIRED":
                self._http.tokens.refresh()
                raise SessionError("CONNECTION_CLOSED", "the token expired: reopening with a new one", status=401)
            raise error_from(answer, self._http.tokens.refreshable)
        with self._lock:
            if self._closed.is_set():
                connection.close()
                raise SessionError("CONNECTION_CLOSED", "the event stream was closed")
            self._sse = (connection, response)
        self._sse_frames = 0
        return connection, response

    def _drop_sse(self) -> None:
        with self._lock:
            sse, self._sse = self._sse, None
        if sse is not None:
            sse[0].close()

    @staticmethod
    def _next_sse_frame(response: http.client.HTTPResponse) -> Optional[Tuple[Optional[str], Dict[str, Any]]]:
        """The next data frame (or none) and the control frame after it; None at the end of the response."""
        data: Optional[str] = None
        kind: Optional[str] = None
        lines: List[str] = []
        while True:
            raw = response.readline()
            if not raw:
                return None
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if kind == "data":
                    data = "\n".join(lines)
                elif kind == "control":
                    return data, json.loads("\n".join(lines))
                kind, lines = None, []
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                value = line[5:]
                lines.append(value[1:] if value.startswith(" ") else value)

    def _last_offset(self) -> str:
        return self._pending[-1].offset if self._pending else self.offset

    def _take_batch(self, body: bytes, next_offset: Optional[str]) -> None:
        if not body:
            return
        base = self._last_offset()
        messages, size = parse_offset(base)
        text = body.decode("utf-8")
        decoder = json.JSONDecoder()
        index = text.index("[") + 1
        events: List[Event] = []
        while True:
            while text[index] in " \t\r\n,":
                index += 1
            if text[index] == "]":
                break
            value, end = decoder.raw_decode(text, index)
            messages += 1
            size += len(text[index:end].encode("utf-8"))
            events.append(Event(value, format_offset(messages, size)))
            index = end
        if events and next_offset is not None and events[-1].offset != next_offset:
            events[-1] = Event(dict(events[-1]), next_offset)
        self._pending.extend(events)


def parse_offset(offset: str) -> Tuple[int, int]:
    """(messages, bytes) before ``offset``; ``-1`` is (0, 0)."""
    if offset == START_OFFSET:
        return 0, 0
    messages, _, size = offset.partition("_")
    return int(messages), int(size)


def format_offset(messages: int, size: int) -> str:
    """The offset after ``messages`` messages of ``size`` bytes in all."""
    return f"{messages:016d}_{size:016d}"

"""The synchronous Python SDK: one Lifeline session over plain HTTP (PROTOCOL.md §9).

A :class:`Session` reads the session's event stream (:meth:`Session.events`), writes agent replies
(:meth:`Session.reply`), sends user messages and steers (:meth:`Session.send_message`, :meth:`Session.stop`,
:meth:`Session.redirect`), follows replies (:meth:`Session.follow_reply`) and takes part in presence. A background
watch follows the stream for the session's steers (to stop this agent's replies) and presence (for
:meth:`Session.on_presence`); it starts with the first reply or presence handler.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional
from urllib.parse import quote

from ._http import HttpClient
from .errors import SessionError
from .events import START_OFFSET, Event, EventStream, stream_path
from .presence import DEFAULT_USER_LEFT_GRACE_S, PresenceAnnouncer, PresenceChange, UserPresence, presence_path
from .producer import Producer
from .reply import Reply
from .tokens import TokenHolder, TokenSource

#: Final message statuses, announced by ``message.<status>`` events.
FINAL_STATUSES = ("done", "stopped", "failed", "interrupted")


class Session:
    """One session of a Lifeline server, for an agent or a user, over HTTP.

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:8787``.
        session_id: the session.
        token: a bearer token, or a callable returning a fresh one (called again before the current one runs
            out, and when the server answers ``TOKEN_EXPIRED``); None on a server without auth.
        principal_id: on a server without auth, who this client is (the author of what it writes and its
            presence); with auth the token says it.
        role: on a server without auth, the role announced with presence (``user`` or ``agent``).
        device: the device name of this client's messages and presence (default ``python``).
        transport: live reads: ``auto`` (SSE, falling back to long-poll), ``sse`` or ``long-poll``.
        user_left_grace_s: how long every device of a user stays gone before ``user-left`` (default 5).
        sse_hello_timeout_s: an SSE read with no frame after this long counts as buffered (default 3).
    """

    def __init__(
        self,
        base_url: str,
        session_id: str,
        token: TokenSource = None,
        *,
        principal_id: Optional[str] = None,
        role: Optional[str] = None,
        device: str = "python",
        transport: str = "auto",
        timeout_s: float = 30.0,
        user_left_grace_s: float = DEFAULT_USER_LEFT_GRACE_S,
        sse_hello_timeout_s: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session_id = session_id
        self.device = device
        self.principal_id = principal_id
        self._transport = transport
        self._hello_s = sse_hello_timeout_s
        self._http = HttpClient(self.base_url, TokenHolder(token, clock), timeout_s)
        # On a server without auth the Producer-Id is the writer (PROTOCOL.md §9.7).
        self.producer = Producer(self._http, session_id, principal_id if token is None else None)
        self.presence_tracker = UserPresence(user_left_grace_s)
        self._announcer = PresenceAnnouncer(
            self._http,
            session_id,
            device,
            principal_id=principal_id if token is None else None,
            role=role if token is None else None,
        )
        self._replies: Dict[str, Reply] = {}
        self._lock = threading.Lock()
        self._watch: Optional[EventStream] = None
        self._watch_thread: Optional[threading.Thread] = None
        self._watch_ready = threading.Event()
        self.errors: List[BaseException] = []

    # -- reading -----------------------------------------------------------------------------------------------
    def events(self, offset: str = START_OFFSET, *, live: bool = True, transport: Optional[str] = None) -> EventStream:
        """The session's events after ``offset`` (``-1``: from the start; an :attr:`Event.offset` to resume).

        With ``live`` the iterator catches up and then follows new events until closed; without, it ends at the
        tail. It reconnects by itself and resumes from its offset: no event is repeated or skipped.
        """
        return EventStream(
            self._http,
            self.session_id,
            offset,
            live=live,
            transport=transport or self._transport,
            sse_hello_timeout_s=self._hello_s,
        )

    def transcript(self) -> Dict[str, Any]:
        """The session's transcript (``GET /v1/sessions/:id``): ``messages`` in session order (PROTOCOL.md §11)."""
        return self._http.request("GET", f"/v1/sessions/{quote(self.session_id, safe='')}").json()

    def follow_reply(self, message_id: str, offset: str = START_OFFSET) -> "ReplyFollower":
        """An iterator over the text of message ``message_id`` as it streams; it ends when the message does."""
        return ReplyFollower(self.events(offset), message_id)

    # -- agents ------------------------------------------------------------------------------------------------
    def reply(
        self,
        reply_to: Optional[str] = None,
        *,
        message_id: Optional[str] = None,
        flush_mode: str = "adaptive",
        coalesce_ms: float = 30.0,
        max_busy_buffer_chars: int = 32_768,
        announce_presence: bool = True,
        traceparent: Optional[str] = None,
    ) -> Reply:
        """A new reply (an agent token): ``with session.reply(reply_to=question) as reply: reply.write(token)``.

        The ``with`` block starts it, ends it ``done`` (``failed`` when the block raises, ``stopped`` when a device
        stopped it) and, with ``announce_presence``, keeps this agent's device present meanwhile. ``traceparent`` (W3C
        Trace Context, e.g. your own span's) is sent with each of its appends, so the server's spans join that trace.
        """
        reply = Reply(
            self,
            self.producer,
            reply_to,
            message_id=message_id,
            flush_mode=flush_mode,
            coalesce_ms=coalesce_ms,
            max_busy_buffer_chars=max_busy_buffer_chars,
            announce_presence=announce_presence,
            traceparent=traceparent,
        )
        return reply

    # -- users -------------------------------------------------------------------------------------------------
    def send_message(self, text: str, *, message_id: Optional[str] = None) -> str:
        """Sends a user message (a user token); returns its id once it is durable.

        Raises:
            SessionError: ``TEXT_TOO_LONG``, ``RATE_LIMITED`` (after retrying for a while), ``FORBIDDEN``, ...
        """
        message_id = message_id or f"m_{uuid.uuid4().hex[:20]}"
        self.producer.append([{"type": "message", "messageId": message_id, "text": text, "device": self.device}])
        return message_id

    def steer(self, kind: str, target: Optional[str] = None, text: Optional[str] = None) -> str:
        """Posts a steer (``stop``, ``redirect``, ``note``, ``approve``, ``reject``; a user token); returns its id."""
        steer_id = f"st_{uuid.uuid4().hex[:20]}"
        command: Dict[str, Any] = {"type": "steer", "steerId": steer_id, "kind": kind}
        if target is not None:
            command["target"] = target
        if text is not None:
            command["text"] = text
        self.producer.append([command])
        return steer_id

    def stop(self, target: Optional[str] = None) -> str:
        """Stops reply ``target`` (or every running reply of the agent that takes an untargeted stop)."""
        return self.steer("stop", target)

    def redirect(self, target: str, text: str) -> str:
        """Stops reply ``target`` and asks its agent to answer ``text`` instead."""
        return self.steer("redirect", target, text)

    # -- presence ----------------------------------------------------------------------------------------------
    def presence(self) -> List[Dict[str, Any]]:
        """Every device present now: ``[{principalId, role, device}, ...]``."""
        return self._http.request("GET", presence_path(self.session_id)).json()["members"]

    def users_present(self) -> bool:
        """True when at least one device of a user is in the session now."""
        return any(member.get("role") == "user" for member in self.presence())

    def on_presence(self, handler: Callable[[PresenceChange], None]) -> Callable[[], None]:
        """Calls ``handler`` when a user's last device leaves (after the grace) and when one returns."""
        remove = self.presence_tracker.add_handler(handler)
        self._watch_steers()
        return remove

    @contextmanager
    def present(self) -> Iterator[None]:
        """Keeps this client's device present in the session while the block runs."""
        self._announcer.hold()
        try:
            yield
        finally:
            self._announcer.release()

    def close(self) -> None:
        """Stops the background watch and closes connections; a presence handler still running is waited for."""
        with self._lock:
            watch, self._watch = self._watch, None
            thread = self._watch_thread
        if watch is not None:
            watch.close()
        if thread is not None:
            thread.join(timeout=5)
        self.presence_tracker.stop()
        self._http.close()

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- the watch: steers for this agent's replies, presence for handlers ---------------------------------------
    def _watch_steers(self) -> None:
        with self._lock:
            if self._watch is not None:
                return
            head = self._http.request("HEAD", stream_path(self.session_id))
            offset = head.headers.get("Stream-Next-Offset") or START_OFFSET
            self._watch = self.events(offset)
        self.presence_tracker.update(self.presence())
        thread = threading.Thread(target=self._run_watch, args=(self._watch,), name="lifeline-watch", daemon=True)
        with self._lock:
            self._watch_thread = thread
        thread.start()

    def _run_watch(self, watch: EventStream) -> None:
        try:
            for event in watch:
                if event.type == "steer" and event.get("kind") in ("stop", "redirect"):
                    self._dispatch_stop(event)
                elif event.type == "presence":
                    self.presence_tracker.update(event["members"])
        except SessionError as error:
            self.errors.append(error)

    def _dispatch_stop(self, event: Event) -> None:
        target = event.get("target")
        with self._lock:
            replies = list(self._replies.values())
        for reply in replies:
            if target == reply.message_id or (
                target is None and reply.start_offset is not None and event.offset > reply.start_offset
            ):
                reply._stop(dict(event))

    def _track(self, reply: Reply) -> None:
        with self._lock:
            self._replies[reply.message_id] = reply
        if reply.announce_presence:
            try:
                self._announcer.hold()
            except SessionError as error:
                self.errors.append(error)
                reply.announce_presence = False

    def _untrack(self, reply: Reply) -> None:
        with self._lock:
            known = self._replies.pop(reply.message_id, None)
        if known is not None and reply.announce_presence:
            self._announcer.release()


class ReplyFollower(Iterator[str]):
    """The text of one message as it streams; after the iteration, ``status`` is its final status."""

    def __init__(self, events: EventStream, message_id: str) -> None:
        self._events = events
        self.message_id = message_id
        self.status: Optional[str] = None
        self.text = ""

    def __iter__(self) -> "ReplyFollower":
        return self

    def __next__(self) -> str:
        if self.status is not None:
            raise StopIteration
        for event in self._events:
            if event.get("messageId") != self.message_id:
                continue
            if event.type == "message.delta" and event.get("partType") == "text":
                self.text += event["text"]
                return str(event["text"])
            if event.type.startswith("message.") and event.type[8:] in FINAL_STATUSES:
                self.status = event.type[8:]
                self._events.close()
                raise StopIteration
        raise StopIteration

    def close(self) -> None:
        """Stops following."""
        self._events.close()


def create_session(
    base_url: str,
    token: TokenSource = None,
    *,
    session_id: Optional[str] = None,
    title: Optional[str] = None,
    retention: Optional[Dict[str, int]] = None,
) -> Dict[str, Any]:
    """Creates a session (``POST /v1/sessions``; with auth a ``user`` or ``agent`` token scoped to ``*``).

    ``retention`` gives the session its own retention periods, ``{"archiveAfterSeconds": …, "deleteAfterSeconds": …}``
    (either may be left out; PROTOCOL.md §13): the server archives and erases it by them instead of its defaults.

    Returns the session record ``{id, title, createdAt, owner}``, with ``retention`` when given.

    Raises:
        SessionError: ``SESSION_EXISTS``, ``FORBIDDEN``, ``INVALID_SESSION_ID``, ``BAD_REQUEST`` (a bad period), ...
    """
    body: Dict[str, Any] = {}
    if session_id is not None:
        body["id"] = session_id
    if title is not None:
        body["title"] = title
    if retention is not None:
        body["retention"] = retention
    http = HttpClient(base_url.rstrip("/"), TokenHolder(token))
    try:
        data = json.dumps(body).encode("utf-8")
        return http.request("POST", "/v1/sessions", body=data, headers={"Content-Type": "application/json"}).json()
    finally:
        http.close()

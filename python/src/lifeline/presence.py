"""Presence for Python clients (PROTOCOL.md §9.9): who is in the session, and this process's own presence.

:class:`UserPresence` turns the member lists of ``presence`` events into per-user ``user-left`` (every device of a
user gone for ``grace_s``, so a page reload does not count) and ``user-returned`` changes, as the Node SDK's
``watchUserPresence`` does. :class:`PresenceAnnouncer` keeps this process's device present by renewing its lease
every third of it while held, and ends it when released.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from ._http import HttpClient
from .errors import SessionError

#: How long every device of a user must stay gone before ``user-left`` is reported, in seconds (as in Node).
DEFAULT_USER_LEFT_GRACE_S = 5.0


@dataclass(frozen=True)
class PresenceChange:
    """A user left (all devices gone past the grace) or returned.

    Attributes:
        type: ``"user-left"`` or ``"user-returned"``.
        principal_id: the user.
        present_users: users with at least one device present after the change.
    """

    type: str
    principal_id: str
    present_users: List[str]


def presence_path(session_id: str) -> str:
    """Path of a session's presence route."""
    from urllib.parse import quote

    return f"/v1/sessions/{quote(session_id, safe='')}/presence"


def users_of(members: Sequence[Dict[str, Any]]) -> Set[str]:
    """Principal ids of the members whose role is ``user``."""
    return {str(m["principalId"]) for m in members if m.get("role") == "user" and "principalId" in m}


class UserPresence:
    """Tracks users from successive member lists and reports changes to handlers."""

    def __init__(self, grace_s: float = DEFAULT_USER_LEFT_GRACE_S) -> None:
        self._grace_s = grace_s
        self._lock = threading.Lock()
        self._members: List[Dict[str, Any]] = []
        self._present: Set[str] = set()
        self._gone: Set[str] = set()
        self._timers: Dict[str, threading.Timer] = {}
        #: Grace timers whose ``user-left`` is being reported: :meth:`stop` waits for them.
        self._firing: Set[threading.Thread] = set()
        self._handlers: List[Callable[[PresenceChange], None]] = []
        self.changed = threading.Condition(self._lock)

    @property
    def members(self) -> List[Dict[str, Any]]:
        """The last known member list."""
        with self._lock:
            return list(self._members)

    def users_present(self) -> bool:
        """True when at least one device of a user is present."""
        with self._lock:
            return bool(users_of(self._members))

    def add_handler(self, handler: Callable[[PresenceChange], None]) -> Callable[[], None]:
        """Calls ``handler`` on each change; returns its remover."""
        with self._lock:
            self._handlers.append(handler)

        def remove() -> None:
            with self._lock:
                if handler in self._handlers:
                    self._handlers.remove(handler)

        return remove

    def update(self, members: Sequence[Dict[str, Any]]) -> None:
        """A new member list (from a ``presence`` event or the presence route)."""
        changes: List[PresenceChange] = []
        with self._lock:
            self._members = [dict(m) for m in members]
            now = users_of(self._members)
            for principal in now:
                timer = self._timers.pop(principal, None)
                if timer is not None:
                    timer.cancel()
                self._present.add(principal)
                if principal in self._gone:
                    self._gone.discard(principal)
                    changes.append(PresenceChange("user-returned", principal, sorted(now)))
            for principal in list(self._present):
                if principal in now or principal in self._timers:
                    continue
                timer = threading.Timer(self._grace_s, self._left, args=(principal,))
                timer.daemon = True
                self._timers[principal] = timer
                timer.start()
            self.changed.notify_all()
        self._emit(changes)

    def stop(self) -> None:
        """Cancels pending grace timers, and waits for the handlers of a ``user-left`` being reported to return
        (unless called from one of them)."""
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            firing = [thread for thread in self._firing if thread is not threading.current_thread()]
        for thread in firing:
            thread.join()

    def _left(self, principal: str) -> None:
        with self._lock:
            if self._timers.pop(principal, None) is None:
                return
            self._present.discard(principal)
            self._gone.add(principal)
            change = PresenceChange("user-left", principal, sorted(users_of(self._members)))
            self._firing.add(threading.current_thread())
        try:
            self._emit([change])
        finally:
            with self._lock:
                self._firing.discard(threading.current_thread())

    def _emit(self, changes: List[PresenceChange]) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for change in changes:
            for handler in handlers:
                handler(change)


class PresenceAnnouncer:
    """Keeps one device present while held (a counter: nested holds share one lease)."""

    def __init__(
        self,
        http: HttpClient,
        session_id: str,
        device: str,
        *,
        principal_id: Optional[str] = None,
        role: Optional[str] = None,
        on_error: Callable[[BaseException], None] = lambda error: None,
    ) -> None:
        self._http = http
        self._path = presence_path(session_id)
        self._body: Dict[str, Any] = {"device": device}
        if principal_id is not None:
            self._body["principalId"] = principal_id
        if role is not None:
            self._body["role"] = role
        self._on_error = on_error
        self._holds = 0
        #: How many times the lease was renewed.
        self.renewals = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def hold(self) -> None:
        """Announces the device (at once, durably answered) and keeps renewing it."""
        with self._lock:
            self._holds += 1
            if self._holds > 1:
                return
            self._wake = threading.Event()
            wake = self._wake
        lease_ms = self._announce(True)
        thread = threading.Thread(target=self._renew, args=(wake, lease_ms), name="lifeline-presence", daemon=True)
        with self._lock:
            self._thread = thread
        thread.start()

    def release(self) -> None:
        """Drops one hold; the last one ends the device's presence."""
        with self._lock:
            self._holds -= 1
            if self._holds > 0:
                return
            self._wake.set()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        try:
            self._announce(False)
        except SessionError as error:
            self._on_error(error)

    def _announce(self, present: bool) -> int:
        body = json.dumps({**self._body, "present": present}).encode("utf-8")
        answer = self._http.request("POST", self._path, body=body, headers={"Content-Type": "application/json"})
        lease = (answer.json() or {}).get("leaseMs")
        return int(lease) if isinstance(lease, (int, float)) else 15_000

    def _renew(self, wake: threading.Event, lease_ms: int) -> None:
        while not wake.wait(lease_ms / 3000):
            try:
                lease_ms = self._announce(True)
                self.renewals += 1
            except SessionError as error:
                self._on_error(error)

"""An agent's reply written over HTTP appends (PROTOCOL.md §9.7), coalesced like the Node SDK's reply writer.

``write`` only buffers. A writer thread sends the buffer as one append at once when no append is in flight, and
tokens that arrive while one is in flight go out together when it is answered (``flush_mode="adaptive"``, the
default, as in docs/sdks.md § An agent); ``"window"`` makes every batch wait ``coalesce_ms`` instead. A paced
stream so costs one append per token, a flood a few large appends per second. ``write`` blocks while
``max_busy_buffer_chars`` wait (flow control). While the run is quiet a heartbeat keeps its lease.

A stop or redirect steer from any device (delivered by the session's steer watch) ends the reply at once: what was
buffered is sent, the reply is ended ``stopped``, ``stop_event`` is set and the next ``write`` raises
:class:`ReplyStopped`, which the ``with`` block swallows, so a token loop simply ends and the agent's cleanup runs.
The agent then marks the steer handled in the session (PROTOCOL.md §9.7 ``handled``), as the Node agent does, so every
device sees it was taken and another agent does not act on it again.

When the server has a message policy (its appends answer ``Lifeline-Policy-Hold-Back``, PROTOCOL.md §8.8), the writer
keeps the trailing word and the number before it back (at most about that many characters) until more text follows
or the reply ends, so an address or phone number the policy redacts reaches it in one append even when the model
streams it in pieces.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from types import TracebackType
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Type

from .errors import ReplyStopped, SessionError
from .producer import Producer, text_commands

if TYPE_CHECKING:
    from .session import Session

#: Final statuses a reply can be ended with.
END_STATUSES = ("done", "stopped", "failed")
#: Largest text of one append, in characters (a message's text part holds 16 384).
MAX_APPEND_CHARS = 16_384
#: How often a quiet reply refreshes its run's heartbeat, in seconds (as the Node SDK).
HEARTBEAT_S = 5.0
# A W3C Trace Context traceparent of version 00 (PROTOCOL.md §12).
TRACEPARENT_PATTERN = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


class Reply:
    """A reply being written; use it as a context manager (``with session.reply(reply_to=...) as reply:``).

    Attributes:
        message_id: the reply's message id.
        reply_to: the message it answers, if any.
        traceparent: the W3C traceparent sent with each of its appends (PROTOCOL.md §12), if any.
        status: ``streaming``, then ``done``, ``stopped`` or ``failed``.
        steer: the steer event that stopped or redirected it, else None.
        steer_marked: after a stop or redirect ended the reply, True once this agent's handled mark on ``steer`` is
            durable, False when another agent had marked it handled first; None before.
        stop_event: set as soon as a stop or redirect arrives (poll it, or wait on it, in long tool calls).
        appends: how many appends carried its text.
    """

    def __init__(
        self,
        session: "Session",
        producer: Producer,
        reply_to: Optional[str],
        *,
        message_id: Optional[str] = None,
        flush_mode: str = "adaptive",
        coalesce_ms: float = 30.0,
        max_busy_buffer_chars: int = 32_768,
        announce_presence: bool = True,
        traceparent: Optional[str] = None,
    ) -> None:
        if flush_mode not in ("adaptive", "window"):
            raise ValueError(f"flush_mode must be adaptive or window, got {flush_mode!r}")
        if traceparent is not None and not TRACEPARENT_PATTERN.fullmatch(traceparent):
            raise ValueError(f"traceparent must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>), got {traceparent!r}")
        self.traceparent = traceparent
        self._session = session
        self._producer = producer
        self.message_id = message_id or f"r_{uuid.uuid4().hex[:20]}"
        self.reply_to = reply_to
        self.announce_presence = announce_presence
        self._flush_mode = flush_mode
        self._coalesce_s = coalesce_ms / 1000
        self._max_busy = max_busy_buffer_chars
        self.status = "streaming"
        self.steer: Optional[Dict[str, Any]] = None
        self.steer_marked: Optional[bool] = None
        self.stop_event = threading.Event()
        self.appends = 0
        self.start_offset: Optional[str] = None
        self._buffer: List[str] = []
        self._held = ""
        self._buffered = 0
        self._first_at = 0.0
        self._busy = False
        self._ending: Optional[str] = None
        self._error: Optional[BaseException] = None
        self._cond = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._done = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def open(self) -> "Reply":
        """Starts the reply (durable when this returns) and its writer; ``with`` calls it.

        Raises:
            SessionError: ``BAD_REQUEST`` (unknown ``reply_to``, id in use), ``FORBIDDEN`` (not an agent token), ...
        """
        command: Dict[str, Any] = {"type": "start", "messageId": self.message_id}
        if self.reply_to is not None:
            command["replyTo"] = self.reply_to
        self._session._watch_steers()
        self._producer.append([command], traceparent=self.traceparent)
        self.start_offset = self._producer.last_offset
        self._session._track(self)
        self._thread = threading.Thread(target=self._run, name=f"lifeline-reply-{self.message_id}", daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> "Reply":
        return self.open()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool:
        if isinstance(exc, ReplyStopped):
            self._finish("stopped")
            return True
        self._finish("failed" if exc is not None else "done", raise_errors=exc is None)
        return False

    @property
    def stopped(self) -> bool:
        """True once a device stopped or redirected this reply."""
        return self.stop_event.is_set()

    @property
    def redirect(self) -> Optional[str]:
        """The text of the redirect that ended this reply (answer it anew), else None."""
        if self.steer is not None and self.steer.get("kind") == "redirect":
            return self.steer.get("text")
        return None

    # -- writing -----------------------------------------------------------------------------------------------
    def write(self, token: str) -> None:
        """Adds ``token`` to the reply.

        Raises:
            ReplyStopped: once the reply was stopped (code ``REPLY_CLOSED``; the ``with`` block ends quietly).
            SessionError: a failure of an earlier append, or ``REPLY_CLOSED`` after the reply ended.
        """
        if self._thread is None:
            raise RuntimeError("open the reply first: with session.reply(...) as reply")
        if not token:
            return
        with self._cond:
            while True:
                self._raise_if_over()
                if self._buffered < self._max_busy:
                    break
                self._cond.wait()
            if not self._buffer:
                self._first_at = time.monotonic()
            self._buffer.append(token)
            self._buffered += len(token)
            self._cond.notify_all()

    def flush(self) -> None:
        """Waits until every token written so far is durable on the server, except the tail a server's message
        policy asks to hold back (PROTOCOL.md §8.8), which goes with the next text or the end."""
        with self._cond:
            while (self._buffer or self._busy) and self._error is None and not self.stop_event.is_set():
                self._cond.wait()
            self._raise_if_over()

    def end(self, status: str = "done") -> None:
        """Sends what is buffered and ends the reply with ``status``; waits until that is durable."""
        if status not in END_STATUSES:
            raise ValueError(f"status must be one of {END_STATUSES}, got {status!r}")
        self._finish(status, raise_errors=True)

    def _raise_if_over(self) -> None:
        if self.steer is not None:
            raise ReplyStopped(self.message_id, self.steer)
        if self._error is not None:
            raise self._error
        if self._ending is not None:
            raise SessionError("REPLY_CLOSED", f"reply {self.message_id} has ended", details={"messageId": self.message_id})

    def _finish(self, status: str, raise_errors: bool = False) -> None:
        if self._thread is None:
            raise RuntimeError("the reply was never opened: with session.reply(...) as reply")
        with self._cond:
            if self._ending is None:
                self._ending = status
            self._cond.notify_all()
        self._done.wait()
        self._session._untrack(self)
        if raise_errors and self._error is not None and not self.stop_event.is_set():
            raise self._error

    def _stop(self, steer: Mapping[str, Any]) -> None:
        """A stop or redirect for this reply arrived (from the session's steer watch)."""
        with self._cond:
            if self._ending is not None or self.steer is not None:
                return
            self.steer = dict(steer)
            self._ending = "stopped"
            self.stop_event.set()
            self._cond.notify_all()

    def _mark_steer_handled(self) -> None:
        """Marks the steer that stopped this reply handled by this agent (after the reply ended, so the stop is not
        delayed); a mark another agent made first stays, and a failure goes to the session's ``errors``."""
        steer_id = self.steer.get("steerId") if self.steer is not None else None
        if not isinstance(steer_id, str):
            return
        try:
            self._producer.append([{"type": "handled", "steerId": steer_id}], traceparent=self.traceparent)
            self.steer_marked = True
        except SessionError as error:
            if error.code != "STEER_ALREADY_HANDLED":
                self._session.errors.append(error)
            self.steer_marked = False

    # -- the writer thread -------------------------------------------------------------------------------------
    def _run(self) -> None:
        last_sent = time.monotonic()
        try:
            while True:
                with self._cond:
                    while True:
                        now = time.monotonic()
                        if self._ending is not None:
                            break
                        if self._buffer and (
                            self._flush_mode == "adaptive" or now - self._first_at >= self._coalesce_s
                        ):
                            break
                        if not self._buffer and now - last_sent >= HEARTBEAT_S:
                            break
                        wait = HEARTBEAT_S - (now - last_sent)
                        if self._buffer:
                            wait = min(wait, self._coalesce_s - (now - self._first_at))
                        self._cond.wait(max(0.001, wait))
                    text = self._held + "".join(self._buffer)
                    hold_back = self._producer.policy_hold_back_chars
                    cut = sendable_length(text, self._ending is not None, hold_back)
                    text, self._held = text[:cut], text[cut:]
                    self._buffer.clear()
                    self._buffered = 0
                    ending = self._ending
                    self._busy = True
                    self._cond.notify_all()
                commands = text_commands(self.message_id, text, MAX_APPEND_CHARS)
                if ending is not None:
                    commands.append({"type": "end", "messageId": self.message_id, "status": ending})
                elif not commands:
                    commands = [{"type": "heartbeat", "messageId": self.message_id}]
                for start in range(0, len(commands), 2):
                    self._producer.append(commands[start : start + 2], traceparent=self.traceparent)
                    self.appends += 1
                last_sent = time.monotonic()
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                if ending is not None:
                    self.status = ending
                    self._mark_steer_handled()
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the writing thread
            with self._cond:
                self._error = error
                self.status = "failed"
                self._busy = False
                self._cond.notify_all()
        finally:
            self._done.set()
            with self._cond:
                self._cond.notify_all()


def sendable_length(text: str, done: bool, hold_back: int) -> int:
    """Where a streaming reply may cut ``text`` (PROTOCOL.md §8.8, ``policySendableLength`` of the Node SDK): all of
    it when ``done`` or without a hold-back; else before the trailing word (the last run of non-whitespace) and the
    number characters right before it (digits, spaces and ``+().-``), so a word, an address or a number written in
    groups is never split. A tail longer than ``hold_back`` is cut ``hold_back`` characters from the end instead, moved
    back to the whitespace before the word that point falls in, by at most ``hold_back`` more."""
    if done or hold_back <= 0:
        return len(text)
    cut = len(text)
    while cut > 0 and not text[cut - 1].isspace():
        cut -= 1
    while cut > 0 and text[cut - 1] in _NUMBER_CHARACTERS:
        cut -= 1
    if len(text) - cut <= hold_back:
        return cut
    latest = len(text) - hold_back
    cut = latest
    while cut > 0 and cut >= latest - hold_back:
        if text[cut - 1].isspace():
            return cut
        cut -= 1
    return max(0, latest - hold_back)


#: Characters a number written in groups may hold besides its digits (``sendable_length``).
_NUMBER_CHARACTERS = frozenset("0123456789 +().-")

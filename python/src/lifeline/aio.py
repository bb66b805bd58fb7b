"""The asyncio API: the same shape as :class:`lifeline.Session`, with coroutines and async iterators.

Each blocking call of the synchronous SDK runs in a worker thread (``asyncio.to_thread``), so the event loop never
blocks on the network: ``async for event in session.events()``, ``async with session.reply(...) as reply:
await reply.write(token)``. Closing an event iterator (``await events.aclose()``) ends its read at once.
"""
from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Type

from .errors import ReplyStopped
from .events import START_OFFSET, Event, EventStream
from .presence import PresenceChange
from .reply import Reply
from .session import ReplyFollower, Session
from .tokens import TokenSource

_END = object()


def _next_or_end(iterator: Any) -> Any:
    try:
        return next(iterator)
    except StopIteration:
        return _END


class AsyncEventStream(AsyncIterator[Event]):
    """Async iterator over a session's events (see :class:`lifeline.EventStream`)."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream

    @property
    def offset(self) -> str:
        """The offset after the last event handed out."""
        return self.stream.offset

    @property
    def transport(self) -> str:
        """How the last read was made: ``catch-up``, ``sse`` or ``long-poll``."""
        return self.stream.transport

    def __aiter__(self) -> "AsyncEventStream":
        return self

    async def __anext__(self) -> Event:
        event = await asyncio.to_thread(_next_or_end, self.stream)
        if event is _END:
            raise StopAsyncIteration
        return event

    async def aclose(self) -> None:
        """Ends the stream."""
        self.stream.close()


class AsyncReplyFollower(AsyncIterator[str]):
    """Async iterator over the text of one message as it streams; ``status`` is set when it ends."""

    def __init__(self, follower: ReplyFollower) -> None:
        self.follower = follower

    @property
    def status(self) -> Optional[str]:
        """The final status once the message ended."""
        return self.follower.status

    @property
    def text(self) -> str:
        """The text so far."""
        return self.follower.text

    def __aiter__(self) -> "AsyncReplyFollower":
        return self

    async def __anext__(self) -> str:
        text = await asyncio.to_thread(_next_or_end, self.follower)
        if text is _END:
            raise StopAsyncIteration
        return text

    async def aclose(self) -> None:
        """Stops following."""
        self.follower.close()


class AsyncReply:
    """An agent reply for asyncio: ``async with session.reply(reply_to=...) as reply: await reply.write(token)``."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply

    @property
    def message_id(self) -> str:
        """The reply's message id."""
        return self.reply.message_id

    @property
    def status(self) -> str:
        """``streaming``, then ``done``, ``stopped`` or ``failed``."""
        return self.reply.status

    @property
    def stopped(self) -> bool:
        """True once a device stopped or redirected the reply."""
        return self.reply.stopped

    @property
    def redirect(self) -> Optional[str]:
        """The text of the redirect that ended the reply, else None."""
        return self.reply.redirect

    @property
    def steer(self) -> Optional[Dict[str, Any]]:
        """The steer event that stopped the reply, else None."""
        return self.reply.steer

    @property
    def steer_marked(self) -> Optional[bool]:
        """True once this agent's handled mark on ``steer`` is durable, False when another agent marked it first."""
        return self.reply.steer_marked

    async def __aenter__(self) -> "AsyncReply":
        await asyncio.to_thread(self.reply.open)
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool:
        return await asyncio.to_thread(self.reply.__exit__, exc_type, exc, tb)

    async def write(self, token: str) -> None:
        """Adds a token (see :meth:`lifeline.Reply.write`); raises :class:`ReplyStopped` once stopped."""
        if self.reply.steer is not None:
            raise ReplyStopped(self.reply.message_id, self.reply.steer)
        await asyncio.to_thread(self.reply.write, token)

    async def flush(self) -> None:
        """Waits until every token written so far is durable."""
        await asyncio.to_thread(self.reply.flush)

    async def end(self, status: str = "done") -> None:
        """Ends the reply with ``status``."""
        await asyncio.to_thread(self.reply.end, status)

    async def wait_stopped(self) -> None:
        """Resolves once a device stopped or redirected the reply."""
        await asyncio.to_thread(self.reply.stop_event.wait)


class AsyncSession:
    """One session for asyncio code; arguments as :class:`lifeline.Session`."""

    def __init__(self, base_url: str, session_id: str, token: TokenSource = None, **options: Any) -> None:
        self.session = Session(base_url, session_id, token, **options)

    @property
    def session_id(self) -> str:
        """The session id."""
        return self.session.session_id

    def events(self, offset: str = START_OFFSET, *, live: bool = True, transport: Optional[str] = None) -> AsyncEventStream:
        """The session's events after ``offset`` (see :meth:`lifeline.Session.events`)."""
        return AsyncEventStream(self.session.events(offset, live=live, transport=transport))

    async def transcript(self) -> Dict[str, Any]:
        """The session's transcript in session order."""
        return await asyncio.to_thread(self.session.transcript)

    def follow_reply(self, message_id: str, offset: str = START_OFFSET) -> AsyncReplyFollower:
        """The text of message ``message_id`` as it streams."""
        return AsyncReplyFollower(self.session.follow_reply(message_id, offset))

    def reply(self, reply_to: Optional[str] = None, **options: Any) -> AsyncReply:
        """A new reply (see :meth:`lifeline.Session.reply`)."""
        return AsyncReply(self.session.reply(reply_to, **options))

    async def send_message(self, text: str, *, message_id: Optional[str] = None) -> str:
        """Sends a user message; returns its id once durable."""
        return await asyncio.to_thread(self.session.send_message, text, message_id=message_id)

    async def steer(self, kind: str, target: Optional[str] = None, text: Optional[str] = None) -> str:
        """Posts a steer; returns its id."""
        return await asyncio.to_thread(self.session.steer, kind, target, text)

    async def stop(self, target: Optional[str] = None) -> str:
        """Stops reply ``target``."""
        return await asyncio.to_thread(self.session.stop, target)

    async def redirect(self, target: str, text: str) -> str:
        """Stops reply ``target`` and asks for ``text`` instead."""
        return await asyncio.to_thread(self.session.redirect, target, text)

    async def presence(self) -> List[Dict[str, Any]]:
        """Every device present now."""
        return await asyncio.to_thread(self.session.presence)

    async def users_present(self) -> bool:
        """True when a device of a user is present now."""
        return await asyncio.to_thread(self.session.users_present)

    async def on_presence(self, handler: Callable[[PresenceChange], None]) -> Callable[[], None]:
        """Calls ``handler`` (in the loop) when a user's last device leaves and when one returns."""
        loop = asyncio.get_running_loop()
        return await asyncio.to_thread(
            self.session.on_presence, lambda change: loop.call_soon_threadsafe(handler, change)
        )

    async def close(self) -> None:
        """Stops background work and closes connections."""
        await asyncio.to_thread(self.session.close)

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

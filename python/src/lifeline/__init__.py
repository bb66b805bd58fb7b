"""Lifeline for Python: follow a session, write agent replies, steer, and take part in presence over HTTP.

The synchronous API is :class:`Session`; :mod:`lifeline.aio` has the same shape for asyncio. Standard library only.
See docs/python.md in the Lifeline repository.
"""
from .errors import ERROR_CODES, ReplyStopped, SessionError
from .events import Event, EventStream
from .order import order_from_events
from .presence import PresenceChange
from .reply import Reply
from .session import ReplyFollower, Session, create_session

__all__ = [
    "ERROR_CODES",
    "Event",
    "EventStream",
    "PresenceChange",
    "Reply",
    "ReplyFollower",
    "ReplyStopped",
    "Session",
    "SessionError",
    "create_session",
    "order_from_events",
]

__version__ = "0.1.0"

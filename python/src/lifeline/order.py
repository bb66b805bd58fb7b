"""The session order of messages from the event stream (PROTOCOL.md §11.3), as ``orderFromEvents`` in TypeScript.

Concurrent messages reach each device in a different order; every reader shows the same order by placing each new
message right after the message its ``message.created`` event names in ``after``.
"""
from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Set


def order_from_events(events: Iterable[Mapping[str, Any]]) -> List[str]:
    """Message ids in session order after ``events`` (in stream order; other event types are ignored).

    A message whose ``after`` is None goes first; one whose ``after`` names no message seen so far, or that has no
    ``after``, goes last. A repeated ``message.created`` for an id already placed is ignored.
    """
    order: List[str] = []
    placed: Set[str] = set()
    for event in events:
        if event.get("type") != "message.created" or event.get("messageId") in placed:
            continue
        message_id = str(event["messageId"])
        if "after" in event and event["after"] is None:
            at = 0
        elif event.get("after") in placed:
            at = order.index(event["after"]) + 1
        else:
            at = len(order)
        order.insert(at, message_id)
        placed.add(message_id)
    return order

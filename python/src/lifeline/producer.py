"""An idempotent producer for a session stream (PROTOCOL.md §9.4, §9.7).

Every batch of commands gets the next ``Producer-Seq``; a batch whose answer is lost is sent again with the same
seq, and the server applies it once (a repeat is answered 204). Batches are sent one at a time, in order.
"""
from __future__ import annotations

import json
import random
import threading
import time
import uuid
from typing import Any, Dict, List, Optional, Sequence

from ._http import HttpClient, Response
from .errors import SessionError
from .events import stream_path

#: Answer header of a server with a message policy: its hold-back in characters (shared/policy/message-policy.ts).
POLICY_HOLD_BACK_HEADER = "Lifeline-Policy-Hold-Back"


class Producer:
    """Sends command batches to one session stream, each applied exactly once.

    Attributes:
        producer_id: the ``Producer-Id`` (random per producer unless given).
        batches: how many batches were applied (not counting retries).
        retries: how many batches were sent again after a failure without an answer.
        last_offset: ``Stream-Next-Offset`` of the last answer: the event stream up to and including the batch.
        policy_hold_back_chars: the server's message policy hold-back (``Lifeline-Policy-Hold-Back`` of the last
            answer, PROTOCOL.md §8.8): the most trailing characters a streaming reply keeps until more text follows
            (its trailing word and the number before it); 0 without a policy.
    """

    def __init__(
        self,
        http: HttpClient,
        session_id: str,
        producer_id: Optional[str] = None,
        *,
        epoch: int = 0,
        retry_for_s: float = 30.0,
    ) -> None:
        self._http = http
        self._path = stream_path(session_id)
        self.producer_id = producer_id or f"py-{uuid.uuid4().hex[:16]}"
        self.epoch = epoch
        self._seq = 0
        self._retry_for_s = retry_for_s
        self._lock = threading.Lock()
        self.batches = 0
        self.retries = 0
        self.last_offset: Optional[str] = None
        self.policy_hold_back_chars = 0

    def append(self, commands: Sequence[Dict[str, Any]], traceparent: Optional[str] = None) -> Response:
        """Sends one batch and waits until it is durable on the server.

        ``traceparent`` (a W3C Trace Context value) goes with it as the ``traceparent`` header: the server's spans of
        the append join that trace (PROTOCOL.md §12).

        Raises:
            SessionError: the server's refusal (``BAD_REQUEST``, ``FORBIDDEN``, ``REPLY_CLOSED``, ``TEXT_TOO_LONG``,
                ...), or the last retryable failure once ``retry_for_s`` passed.
        """
        body = json.dumps(list(commands)).encode("utf-8")
        with self._lock:
            headers = {
                "Content-Type": "application/json",
                "Producer-Id": self.producer_id,
                "Producer-Epoch": str(self.epoch),
                "Producer-Seq": str(self._seq),
            }
            if traceparent is not None:
                headers["traceparent"] = traceparent
            deadline = time.monotonic() + self._retry_for_s
            attempt = 0
            while True:
                try:
                    response = self._http.request("POST", self._path, body=body, headers=headers)
                    break
                except SessionError as error:
                    attempt += 1
                    if not error.retryable or error.code == "PRODUCER_SEQ_GAP" or time.monotonic() >= deadline:
                        raise
                    self.retries += 1
                    delay = min(2.0, 0.02 * 2 ** min(attempt, 7)) * (0.5 + random.random() / 2)
                    retry_after = error.details.get("retryAfterMs")
                    if isinstance(retry_after, (int, float)):
                        delay = max(delay, retry_after / 1000)
                    time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            self._seq += 1
            self.batches += 1
            self.last_offset = response.headers.get("Stream-Next-Offset") or self.last_offset
            hold_back = response.headers.get(POLICY_HOLD_BACK_HEADER, "0")
            self.policy_hold_back_chars = int(hold_back) if hold_back.isdigit() else 0
            return response


def text_commands(message_id: str, text: str, max_chars: int) -> List[Dict[str, Any]]:
    """``text`` commands for ``text`` in slices of at most ``max_chars`` characters."""
    commands = []
    start = 0
    while start < len(text):
        commands.append({"type": "text", "messageId": message_id, "text": text[start : start + max_chars]})
        start += max_chars
    return commands

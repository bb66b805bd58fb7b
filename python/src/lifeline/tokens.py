"""Tokens for requests: a fixed string, or a provider called again before the current token runs out.

A provider's token is replaced once three quarters of its lifetime have passed (read from its ``iat`` and ``exp``
claims, as the Node SDK does, PROTOCOL.md §8.7), and at once when the server answers ``TOKEN_EXPIRED``.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Callable, Optional, Union

#: A fixed bearer token, or a function returning a fresh one (same principal, role and session).
TokenSource = Union[str, Callable[[], str], None]

#: Fraction of a token's lifetime after which a provider is asked for the next one.
TOKEN_REFRESH_AT = 0.75


class TokenHolder:
    """The token to send now; thread-safe."""

    def __init__(self, source: TokenSource, clock: Callable[[], float] = time.time) -> None:
        self._source = source
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Optional[str] = source if isinstance(source, str) else None
        self._refresh_at = float("inf")

    @property
    def refreshable(self) -> bool:
        """True when the token comes from a provider."""
        return callable(self._source)

    def get(self) -> Optional[str]:
        """The current token, asking the provider for a new one when due."""
        with self._lock:
            if callable(self._source) and (self._token is None or self._clock() >= self._refresh_at):
                self._take(self._source())
            return self._token

    def refresh(self) -> Optional[str]:
        """A new token from the provider now (after ``TOKEN_EXPIRED``); the same token without a provider."""
        with self._lock:
            if callable(self._source):
                self._take(self._source())
            return self._token

    def _take(self, token: str) -> None:
        self._token = token
        claims = decode_claims(token)
        iat, exp = claims.get("iat"), claims.get("exp")
        if isinstance(iat, (int, float)) and isinstance(exp, (int, float)) and exp > iat:
            self._refresh_at = iat + (exp - iat) * TOKEN_REFRESH_AT
        else:
            self._refresh_at = float("inf")


def decode_claims(token: str) -> dict:
    """The claims of a JWT-form token without checking its signature (the server does); ``{}`` when unreadable."""
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}

"""OAuth2 client-credentials tokens issued by the emulator, valid for a configurable time."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class IssuedToken:
    """An access token as the token endpoint returns it."""

    access_token: str
    user: str
    expires_in: int

    def __repr__(self) -> str:
        return f"IssuedToken(user={self.user!r}, expires_in={self.expires_in}, access_token=***)"


class TokenIssuer:
    """Issues random access tokens mapped to directory users, and checks them.

    Tokens live in memory only: like a real server's short-lived tokens, they do not survive
    a restart. ``clock`` is injectable so tests can make tokens expire without waiting.
    """

    def __init__(
        self,
        lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if lifetime_seconds < 0:
            raise ValueError("the token lifetime must be zero or more seconds")
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenIssuer(lifetime_seconds={self.lifetime_seconds})"

    def issue(self, user: str) -> IssuedToken:
        """A new token acting as ``user``."""
        token = "emu-" + secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (user, self._clock() + self.lifetime_seconds)
        return IssuedToken(token, user, self.lifetime_seconds)

    def user_for(self, token: str) -> tuple[str | None, bool]:
        """``(user, expired)``: the token's user if it is live, and whether it has expired."""
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None, False
            user, expires_at = entry
            if self._clock() >= expires_at:
                return None, True
            return user, False

    def revoke(self, token: str) -> bool:
        """Forget a token; True if it existed."""
        with self._lock:
            return self._tokens.pop(token, None) is not None

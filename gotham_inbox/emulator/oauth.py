"""OAuth2 client-credentials tokens issued by the emulator, valid for a configurable time.

Answers follow the OAuth2 RFCs rather than Conjure (the token endpoint is an OAuth2 server):
errors are ``{"error", "error_description"}`` (RFC 6749 section 5.2), and a client may revoke
only the tokens issued to it (RFC 7009 section 2.1). Expired tokens are purged, and each client
holds at most :data:`MAX_LIVE_TOKENS_PER_CLIENT` live tokens (its oldest are dropped first), so
memory stays bounded however often a client asks.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
MAX_LIVE_TOKENS_PER_CLIENT = 1000


class OAuthError(Exception):
    """An OAuth2 error answer: HTTP status, RFC 6749 ``error`` code and a description."""

    def __init__(self, status_code: int, error: str, description: str) -> None:
        self.status_code = status_code
        self.error = error
        self.description = description
        super().__init__(f"{status_code} {error}: {description}")

    def body(self) -> dict[str, str]:
        """``{"error", "error_description"}``."""
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class IssuedToken:
    """An access token as the token endpoint returns it."""

    access_token: str
    user: str
    expires_in: int
    client_id: str = ""

    def __repr__(self) -> str:
        return f"IssuedToken(user={self.user!r}, expires_in={self.expires_in}, access_token=***)"


@dataclass(frozen=True)
class _Grant:
    user: str
    client_id: str
    expires_at: float


class TokenIssuer:
    """Issues random access tokens mapped to directory users, and checks them.

    Tokens live in memory only: like a real server's short-lived tokens, they do not survive
    a restart. ``clock`` is injectable so tests can make tokens expire without waiting.
    """

    def __init__(
        self,
        lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_live_per_client: int = MAX_LIVE_TOKENS_PER_CLIENT,
    ) -> None:
        if lifetime_seconds < 0:
            raise ValueError("the token lifetime must be zero or more seconds")
        self.lifetime_seconds = lifetime_seconds
        self.max_live_per_client = max_live_per_client
        self._clock = clock
        # Insertion order is expiry order (one lifetime for all), so purging reads the front.
        self._tokens: OrderedDict[str, _Grant] = OrderedDict()
        self._per_client: dict[str, OrderedDict[str, None]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenIssuer(lifetime_seconds={self.lifetime_seconds})"

    def __len__(self) -> int:
        """How many tokens are held (live, or expired but not purged yet)."""
        with self._lock:
            return len(self._tokens)

    def issue(self, user: str, client_id: str = "") -> IssuedToken:
        """A new token acting as ``user``, issued to the client ``client_id``."""
        token = "emu-" + secrets.token_urlsafe(32)
        with self._lock:
            self._purge_expired()
            owned = self._per_client.setdefault(client_id, OrderedDict())
            while len(owned) >= self.max_live_per_client:
                oldest, _ = owned.popitem(last=False)
                self._tokens.pop(oldest, None)
            self._tokens[token] = _Grant(user, client_id, self._clock() + self.lifetime_seconds)
            owned[token] = None
        return IssuedToken(token, user, self.lifetime_seconds, client_id)

    def user_for(self, token: str) -> tuple[str | None, bool]:
        """``(user, expired)``: the token's user if it is live, and whether it has expired."""
        with self._lock:
            grant = self._tokens.get(token)
            if grant is None:
                return None, False
            if self._clock() >= grant.expires_at:
                self._forget(token)
                return None, True
            return grant.user, False

    def owner_of(self, token: str) -> str | None:
        """The client a held token was issued to, or ``None`` if it is not held."""
        with self._lock:
            grant = self._tokens.get(token)
            return None if grant is None else grant.client_id

    def revoke(self, token: str) -> bool:
        """Forget a token; True if it existed."""
        with self._lock:
            return self._forget(token)

    def _forget(self, token: str) -> bool:
        grant = self._tokens.pop(token, None)
        if grant is None:
            return False
        owned = self._per_client.get(grant.client_id)
        if owned is not None:
            owned.pop(token, None)
            if not owned:
                del self._per_client[grant.client_id]
        return True

    def _purge_expired(self) -> None:
        now = self._clock()
        while self._tokens:
            token, grant = next(iter(self._tokens.items()))
            if grant.expires_at > now:
                return
            self._forget(token)

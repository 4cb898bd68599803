"""Authentication for Gotham: a bearer token, or OAuth2 client credentials.

Both are :class:`httpx.Auth` implementations, kept apart from the client as in httpx itself.
Neither ever shows its secret in a repr, a log line or an exception.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator

import httpx

from gotham_inbox.errors import ConfigurationError, UnauthorizedError

logger = logging.getLogger("gotham_inbox.auth")

TOKEN_PATH = "/multipass/api/oauth2/token"


class TokenAuth(httpx.Auth):
    """A fixed bearer token (a user token, or one you obtained yourself)."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ConfigurationError("the token is empty; set gotham:token or GOTHAM_TOKEN")
        self._token = token.strip()

    def __repr__(self) -> str:
        return "TokenAuth(token=***)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials against ``/multipass/api/oauth2/token`` on the same host.

    The access token is cached until ``refresh_margin`` seconds before it expires. A 401 on a
    request made with a cached token fetches a new token and repeats the request once (a 401
    means the server processed nothing, so repeating is safe).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        token_url: str | None = None,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id:
            raise ConfigurationError("client_id is empty; set gotham:clientId or GOTHAM_CLIENT_ID")
        if not client_secret:
            raise ConfigurationError(
                "client_secret is empty; set gotham:clientSecret or GOTHAM_CLIENT_SECRET"
            )
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.token_url = token_url
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self.client_id!r}, client_secret=***)"

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        url = (
            httpx.URL(self.token_url)
            if self.token_url
            else request.url.copy_with(path=TOKEN_PATH, query=None)
        )
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        if self.scope:
            form["scope"] = self.scope
        return httpx.Request("POST", url, data=form)

    def _accept_token(self, response: httpx.Response) -> str:
        if response.status_code != 200:
            raise UnauthorizedError(
                response.status_code,
                "UNAUTHORIZED",
                "ClientCredentialsRejected",
                detail=f"the token endpoint refused client '{self.client_id}'; "
                "check gotham:clientId and gotham:clientSecret",
            )
        try:
            payload = response.json()
            token = str(payload["access_token"])
            lifetime = float(payload.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError) as error:
            raise UnauthorizedError(
                response.status_code,
                "UNAUTHORIZED",
                "InvalidTokenResponse",
                detail="the token endpoint's answer has no usable access_token "
                f"({type(error).__name__})",
            ) from None
        self._token = token
        self._expires_at = self._clock() + lifetime
        logger.debug(
            "obtained an access token for client %s, valid %.0fs", self.client_id, lifetime
        )
        return token

    def _cached_token(self) -> str | None:
        if self._token and self._clock() < self._expires_at - self.refresh_margin:
            return self._token
        return None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with self._lock:
            token = self._cached_token()
        fresh = token is None
        if token is None:
            response = yield self._token_request(request)
            response.read()
            with self._lock:
                token = self._accept_token(response)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            # The cached token was revoked or expired early: fetch a new one, repeat once.
            token_response = yield self._token_request(request)
            token_response.read()
            with self._lock:
                token = self._accept_token(token_response)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

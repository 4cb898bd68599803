"""Authentication for Gotham: a bearer token, or OAuth2 client credentials.

Both are :class:`httpx.Auth` implementations, kept apart from the client as in httpx itself.
Neither ever shows its secret in a repr, a log line or an exception: each holds its credentials,
and every access token issued, in :data:`~gotham_inbox.redaction.HELD_SECRETS`, which every text
leaving the process is redacted against.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Generator, Sequence

import httpx

from gotham_inbox._answer import DEADLINE_EXTENSION, Deadline, deadline_of
from gotham_inbox._hosts import is_loopback_host
from gotham_inbox._retry import RETRYABLE_STATUSES, parse_retry_after
from gotham_inbox.errors import ConfigurationError, InsecureTransportError, TokenEndpointError
from gotham_inbox.redaction import hold_secret, redacting_logger, refuse_unsafe_secret

# The logger keeps its public name: a logging config names it, whatever the module is called.
logger = redacting_logger("gotham_inbox.auth")

TOKEN_PATH = "/multipass/api/oauth2/token"
API_PATH_MARKER = "/api/gotham/"
"""Where the API paths start: anything before it in a request path is a gateway prefix that
the hostname carried (``gateway.example.com/gotham``), which the token URL keeps too."""
OFFLINE_ACCESS = "offline_access"
MAX_TOKEN_ANSWER_BYTES = 1024 * 1024
"""A token answer is a few hundred bytes; a bigger one is refused, not read whole."""


def _explicit_token_url(token_url: str, allow_insecure_http: bool) -> httpx.URL:
    try:
        url = httpx.URL(token_url.strip())
        host = url.host
    except (httpx.InvalidURL, UnicodeError, ValueError) as error:
        raise ConfigurationError(
            f"token_url is not a valid URL ({type(error).__name__}); give a full https URL"
        ) from None
    if url.scheme not in {"http", "https"} or not host:
        raise ConfigurationError("token_url must be a full http(s) URL with a host")
    if url.scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise InsecureTransportError(
            f"refusing plain http to the token endpoint {host}: the client secret would travel "
            "unencrypted; use https, or pass allow_insecure_http=True if you really mean it"
        )
    return url


def _late(deadline: Deadline, when: str) -> TokenEndpointError:
    return TokenEndpointError(
        f"the send's {deadline.seconds:g} s deadline passed {when} (the token exchange "
        "counts against it); raise the deadline or check the token endpoint",
        retryable=False,
    )


class TokenAuth(httpx.Auth):
    """A fixed bearer token (a user token, or one you obtained yourself)."""

    def __init__(self, token: str) -> None:
        if not token or not token.strip():
            raise ConfigurationError("the token is empty; set gotham:token or GOTHAM_TOKEN")
        refuse_unsafe_secret(
            token.strip(), "the token", "gotham:token or GOTHAM_TOKEN", header=True
        )
        self._token = token.strip()
        hold_secret(self._token)

    def __repr__(self) -> str:
        return "TokenAuth(token=***)"

    def secret_values(self) -> tuple[str, ...]:
        """The secrets to scrub from any text leaving the client."""
        return (self._token,)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ClientCredentialsAuth(httpx.Auth):
    """OAuth2 client credentials against ``/multipass/api/oauth2/token`` on the same host.

    Like the official client, ``scopes`` is a list and ``offline_access`` is added to it when
    any scope is given; ``scope`` (a space-separated string, sent as it is) is kept for
    compatibility. The token URL keeps a gateway path prefix of the hostname
    (``gateway.example.com/gotham`` -> ``/gotham/multipass/api/oauth2/token``); an explicit
    ``token_url`` over plain http is refused unless it is loopback or ``allow_insecure_http``.
    A token endpoint failure is a :class:`~gotham_inbox.errors.TokenEndpointError`.

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
        scopes: Sequence[str] | None = None,
        token_url: str | None = None,
        allow_insecure_http: bool = False,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not client_id:
            raise ConfigurationError("client_id is empty; set gotham:clientId or GOTHAM_CLIENT_ID")
        if not client_secret:
            raise ConfigurationError(
                "client_secret is empty; set gotham:clientSecret or GOTHAM_CLIENT_SECRET"
            )
        refuse_unsafe_secret(client_id, "the client id", "gotham:clientId or GOTHAM_CLIENT_ID")
        refuse_unsafe_secret(
            client_secret, "the client secret", "gotham:clientSecret or GOTHAM_CLIENT_SECRET"
        )
        if scope is not None and scopes is not None:
            raise ConfigurationError("pass scope (a string) or scopes (a list), not both")
        if isinstance(scopes, str):
            raise ConfigurationError("scopes must be a list of scope names, not a string")
        for name in [scope or "", *(scopes or ())]:
            refuse_unsafe_secret(name, "a scope", "gotham:scopes or GOTHAM_SCOPES")
        self.client_id = client_id
        self._client_secret = client_secret
        hold_secret(client_secret)
        self.scope = scope
        self.scopes = list(scopes) if scopes is not None else None
        self.token_url = token_url
        self._token_url = _explicit_token_url(token_url, allow_insecure_http) if token_url else None
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self.client_id!r}, client_secret=***)"

    def secret_values(self) -> tuple[str, ...]:
        """The secrets to scrub from any text leaving the client (the access token too)."""
        return tuple(value for value in (self._client_secret, self._token) if value)

    @property
    def requested_scopes(self) -> list[str]:
        """The scopes sent, as the official client sends them (``offline_access`` added)."""
        if self.scope:
            return self.scope.split()
        if not self.scopes:
            return []
        return [*self.scopes, *([] if OFFLINE_ACCESS in self.scopes else [OFFLINE_ACCESS])]

    def token_url_for(self, request: httpx.Request) -> httpx.URL:
        """The token endpoint for a request: explicit, or on its host under its gateway prefix."""
        if self._token_url is not None:
            return self._token_url
        path = request.url.path
        marker = path.find(API_PATH_MARKER)
        prefix = path[:marker] if marker > 0 else ""
        return request.url.copy_with(path=prefix + TOKEN_PATH, query=None)

    def _token_request(self, request: httpx.Request) -> httpx.Request:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
        }
        if self.requested_scopes:
            form["scope"] = " ".join(self.requested_scopes)
        token_request = httpx.Request(
            "POST",
            self.token_url_for(request),
            data=form,
            headers={
                "Accept": "application/json",
                "User-Agent": request.headers.get("User-Agent", "gotham-inbox"),
            },
        )
        # A request built here has no timeout of its own: give it the send's, or it has none,
        # cut to what is left of the send's deadline now.
        deadline = deadline_of(request)
        if "timeout" in request.extensions:
            timeout = httpx.Timeout(**request.extensions["timeout"])
            token_request.extensions["timeout"] = (
                timeout if deadline is None else deadline.bound(timeout)
            ).as_dict()
        if deadline is not None:
            if deadline.remaining() <= 0:
                raise _late(deadline, "before the token endpoint could be asked")
            token_request.extensions[DEADLINE_EXTENSION] = deadline
        return token_request

    def _read_token_answer(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_TOKEN_ANSWER_BYTES:
            response.close()
            raise TokenEndpointError(
                f"the token endpoint's answer is {declared} bytes, over the "
                f"{MAX_TOKEN_ANSWER_BYTES}-byte limit",
                status_code=response.status_code,
                retryable=False,
            )
        content = bytearray()
        deadline = deadline_of(response.request)
        for chunk in response.iter_bytes():
            content += chunk
            if len(content) > MAX_TOKEN_ANSWER_BYTES:
                response.close()
                raise TokenEndpointError(
                    f"the token endpoint's answer is over the {MAX_TOKEN_ANSWER_BYTES}-byte limit",
                    status_code=response.status_code,
                    retryable=False,
                )
            # A server dribbling its answer byte by byte, each inside the read timeout, would
            # otherwise hold the send for up to the size limit times the read timeout.
            if deadline is not None and deadline.remaining() <= 0:
                response.close()
                raise _late(deadline, "while its answer was being read")
        # httpx reads each auth-flow response again once the flow moves on; hand it what was
        # read (there is no public way to), or that read fails with StreamConsumed.
        response._content = bytes(content)
        return response._content

    def _accept_token(self, response: httpx.Response) -> str:
        status = response.status_code
        content = self._read_token_answer(response)
        host = response.request.url.host
        if status in RETRYABLE_STATUSES or status >= 500:
            raise TokenEndpointError(
                f"the token endpoint {host} answered HTTP {status} (unavailable or overloaded)",
                status_code=status,
                retryable=True,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if status in {400, 401, 403}:
            raise TokenEndpointError(
                f"the token endpoint {host} refused client '{self.client_id}' (HTTP {status}); "
                "check gotham:clientId and gotham:clientSecret (and gotham:scopes, if set)",
                status_code=status,
                retryable=False,
            )
        if status != 200:
            raise TokenEndpointError(
                f"the token endpoint {host} answered HTTP {status}; check gotham:hostname",
                status_code=status,
                retryable=False,
            )
        try:
            payload = httpx.Response(200, content=content).json()
            token = str(payload["access_token"])
            hold_secret(token)  # before anything can quote it, and for good: it was issued
            lifetime = float(payload.get("expires_in", 3600))
            refuse_unsafe_secret(token, "the access token", "the token endpoint", header=True)
            if not token or not math.isfinite(lifetime) or lifetime < 0:
                raise ValueError("no token, or a lifetime that is not a number of seconds")
        except (ValueError, KeyError, TypeError, AttributeError, ConfigurationError) as error:
            raise TokenEndpointError(
                f"the token endpoint's answer has no usable access_token ({type(error).__name__})",
                status_code=status,
                retryable=False,
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
            with self._lock:
                token = self._accept_token(response)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            # httpx reads this answer whole before the next request: read it within the bound.
            self._read_token_answer(response)
            # The cached token was revoked or expired early: fetch a new one, repeat once.
            token_response = yield self._token_request(request)
            with self._lock:
                token = self._accept_token(token_response)
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

"""Every exception httpx can raise during a send, as a typed error that says if it was sent.

httpx raises a dozen exception types; which one decides whether the messages may have reached
the server. ``classify`` maps each to a gotham-inbox error and whether retrying is safe in
principle (the client still retries a lost answer only when every message has a sourceId and
the host was seen to honour sourceIds).
Every text it builds goes through ``redact`` before it is cut, so a secret echoed by httpx (a
header value in a ``LocalProtocolError``) never leaves, whole or in part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gotham_inbox.errors import (
    ConfigurationError,
    GothamAPIError,
    GothamInboxError,
    OutcomeUnknownError,
    RequestNotSentError,
    TokenEndpointError,
)

Redact = Callable[[str], str]

NOT_RETRIED = (
    "; not retried: a retry could deliver them twice, because not every message has a "
    "sourceId or this host has not been seen to honour sourceIds"
)
"""Why a lost answer was not retried (see :mod:`gotham_inbox._retry` for the rule)."""


@dataclass(frozen=True)
class Failure:
    """A typed error, and how it may be retried."""

    error: GothamInboxError
    retry_when: str
    """``"always"`` (nothing was sent), ``"idempotent"`` (the answer was lost: only when every
    message has a sourceId) or ``"never"``."""


def _failed_request(error: Exception) -> httpx.Request | None:
    try:
        return error.request if isinstance(error, httpx.RequestError) else None
    except RuntimeError:  # httpx raises this when the exception carries no request
        return None


def _describe(error: Exception, redact: Redact) -> str:
    text = redact(str(error))
    return f"{type(error).__name__}: {text[:300]}" if text else type(error).__name__


def classify(
    error: Exception, *, send_path: str, host: str, idempotent: bool, redact: Redact
) -> Failure:
    """The typed error for an exception raised while sending to ``host``."""
    what = _describe(error, redact)
    request = _failed_request(error)
    if request is not None and not request.url.path.endswith(send_path):
        # The request that failed was the OAuth2 token request, made before the send.
        retryable = isinstance(error, httpx.TransportError)
        return Failure(
            TokenEndpointError(
                f"the token endpoint {request.url.host} could not be reached or its answer was "
                f"lost ({what})",
                retryable=retryable,
            ),
            # Safe whenever it may help: a token request sends no message.
            "always" if retryable else "never",
        )
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return Failure(
            RequestNotSentError(f"could not connect to {host} ({what}); nothing was sent"),
            "always",
        )
    if isinstance(error, httpx.ProxyError):
        return Failure(
            RequestNotSentError(
                f"the proxy refused or failed the connection to {host} ({what}); nothing was "
                "sent; check the proxy settings (HTTPS_PROXY, proxy=)"
            ),
            "always",
        )
    if isinstance(error, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        return Failure(
            RequestNotSentError(
                f"the request to {host} could not be made ({what}); nothing was sent; check "
                "gotham:hostname and the proxy settings"
            ),
            "never",
        )
    if isinstance(error, httpx.DecodingError):
        return Failure(
            OutcomeUnknownError(
                f"{host} answered, but its answer could not be decoded ({what}); the messages "
                "were probably sent, but which ones is unknown"
                + ("" if idempotent else NOT_RETRIED)
            ),
            "idempotent",
        )
    if isinstance(error, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return Failure(
            OutcomeUnknownError(
                f"the answer from {host} was lost ({type(error).__name__}); "
                "the messages may or may not have been sent" + ("" if idempotent else NOT_RETRIED)
            ),
            "idempotent",
        )
    if isinstance(error, httpx.InvalidURL | UnicodeError):
        return Failure(
            ConfigurationError(f"the request URL is not valid ({what}); check gotham:hostname"),
            "never",
        )
    return Failure(
        OutcomeUnknownError(
            f"sending to {host} failed unexpectedly ({what}); the messages may or may not have "
            "been sent"
        ),
        "never",
    )


def scrub(error: GothamInboxError, redact: Redact) -> GothamInboxError:
    """``error`` with every held secret removed from its text and every field of its envelope.

    A server may echo what it was sent (a header, a form field) anywhere in an error envelope:
    its name, its code, its instance id, its parameters (keys and values).
    """
    error.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in error.args)
    if isinstance(error, GothamAPIError):
        error.error_code = redact(error.error_code)
        error.error_name = redact(error.error_name)
        error.error_instance_id = redact(error.error_instance_id)
        error.parameters = {
            redact(str(key)): _scrub_item(item, redact, 1) for key, item in error.parameters.items()
        }
    return error


def _scrub_item(value: object, redact: Redact, depth: int) -> object:
    if depth > 32:
        return "***"
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            redact(str(key)): _scrub_item(item, redact, depth + 1) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub_item(item, redact, depth + 1) for item in value]
    return value

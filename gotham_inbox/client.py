"""The synchronous httpx client for Gotham's ``send messages`` endpoint."""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from gotham_inbox.errors import (
    ApiNotAvailableError,
    ConfigurationError,
    GothamAPIError,
    InsecureTransportError,
    InvalidMessagesError,
    OutcomeUnknownError,
    RequestNotSentError,
    error_class_for,
)
from gotham_inbox.models import SendMessageRequest, SendMessagesRequest, SendMessagesResponse
from gotham_inbox.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from gotham_inbox.validation import check_messages

logger = logging.getLogger("gotham_inbox.client")

SEND_PATH = "/api/gotham/v1/inbox/messages"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url_for(hostname: str) -> httpx.URL:
    """``example.com`` or ``example.com:8443`` -> ``https://example.com[:8443]``.

    A value that already has a scheme (``http://127.0.0.1:8765``) is taken as it is.
    """
    hostname = hostname.strip().rstrip("/")
    if not hostname:
        raise ConfigurationError("the hostname is empty; set gotham:hostname or GOTHAM_HOSTNAME")
    url = httpx.URL(hostname if "://" in hostname else f"https://{hostname}")
    if url.scheme not in {"http", "https"} or not url.host:
        raise ConfigurationError(f"'{hostname}' is not a hostname or an http(s) base URL")
    return url


class InboxClient:
    """Sends messages to Gotham Global Inbox.

    Args:
        hostname: the Gotham host (``gotham.example.com``), or a full base URL
            (``http://127.0.0.1:8765`` for the local emulator).
        auth: :class:`~gotham_inbox.auth.TokenAuth` or
            :class:`~gotham_inbox.auth.ClientCredentialsAuth`.
        timeout: an :class:`httpx.Timeout` or seconds; default 30 s (10 s to connect).
        verify: TLS verification: ``True`` (the default), or a CA bundle path.
        allow_insecure_http: allow plain ``http://`` to a host that is not loopback.
            Loopback hosts (the emulator) are always allowed.
        retry: a :class:`~gotham_inbox.retry.RetryPolicy`; see its docs for what is retried.
        transport: an httpx transport, e.g. :class:`httpx.MockTransport` in tests.

    ``preview=true`` is always sent: the endpoint refuses calls without it.
    """

    def __init__(
        self,
        hostname: str,
        *,
        auth: httpx.Auth,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        allow_insecure_http: bool = False,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url_for(hostname)
        if (
            self.base_url.scheme == "http"
            and not allow_insecure_http
            and not is_loopback_host(self.base_url.host)
        ):
            raise InsecureTransportError(
                f"refusing plain http to {self.base_url.host}: tokens would travel unencrypted; "
                "use https, or pass allow_insecure_http=True if you really mean it"
            )
        if isinstance(verify, str) and not Path(verify).is_file():
            raise ConfigurationError(
                f"CA bundle '{verify}' is not a file; point gotham:caBundle (or verify=) at a "
                "PEM file of trusted certificates"
            )
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self.base_url,
            auth=auth,
            timeout=timeout,
            verify=ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "gotham-inbox"},
        )

    def __repr__(self) -> str:
        return f"InboxClient(base_url={str(self.base_url)!r})"

    def __enter__(self) -> InboxClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def send(self, messages: Sequence[SendMessageRequest | dict[str, Any]]) -> SendMessagesResponse:
        """Send messages in one request and return the typed answer.

        Every message is validated first; if any is invalid, :class:`InvalidMessagesError`
        lists every problem and nothing is sent (the server would refuse the whole batch).

        Raises:
            InvalidMessagesError: a message failed validation; nothing was sent.
            GothamAPIError: the server answered with an error (a subclass per status).
            RequestNotSentError: the server could not be reached; nothing was sent.
            OutcomeUnknownError: the answer was lost and a retry was not safe or ran out.
        """
        parsed, problems = check_messages(messages)
        if problems:
            raise InvalidMessagesError(problems)
        # The validated models are serialised by pydantic-core in one pass: the same JSON as
        # each message's to_wire(), without building the dicts and encoding them again.
        request = SendMessagesRequest.model_construct(
            messages=[message for message in parsed if message is not None]
        )
        body = request.model_dump_json(by_alias=True, exclude_none=True).encode()
        idempotent = all(message is not None and message.source_id for message in parsed)
        response = self._post_with_retries(body, idempotent=idempotent)
        try:
            return SendMessagesResponse.model_validate_json(response.content)
        except (ValueError, ValidationError) as error:
            raise OutcomeUnknownError(
                f"the server answered {response.status_code} with a body that is not a "
                f"SendMessagesResponse ({type(error).__name__}); the messages may have been sent"
            ) from None

    def _post_with_retries(self, body: bytes, *, idempotent: bool) -> httpx.Response:
        policy = self.retry
        started = policy.clock()
        attempt = 1
        while True:
            retry_after: float | None = None
            try:
                response = self._http.post(
                    SEND_PATH,
                    params={"preview": "true"},
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                failure: Exception = RequestNotSentError(
                    f"could not connect to {self.base_url.host} ({type(error).__name__}: {error}); "
                    "nothing was sent"
                )
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as error:
                failure = OutcomeUnknownError(
                    f"the answer from {self.base_url.host} was lost ({type(error).__name__}); "
                    "the messages may or may not have been sent"
                    + (
                        ""
                        if idempotent
                        else "; not retried because not every message has a sourceId"
                    )
                )
                if not idempotent:
                    raise failure from None
            else:
                logger.info("POST %s -> %s (attempt %d)", SEND_PATH, response.status_code, attempt)
                if response.is_success:
                    return response
                failure = self._api_error(response)
                unknown_outcome = response.status_code >= 500 and response.status_code != 503
                if response.status_code in RETRYABLE_STATUSES:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif not (unknown_outcome and idempotent):
                    raise failure
            wait = policy.backoff(attempt, retry_after)
            out_of_time = policy.clock() - started + wait > policy.max_total_seconds
            if attempt >= policy.max_attempts or out_of_time:
                raise failure
            logger.warning(
                "retrying in %.2fs after %s (attempt %d of %d)",
                wait,
                type(failure).__name__,
                attempt,
                policy.max_attempts,
            )
            policy.sleep(wait)
            attempt += 1

    @staticmethod
    def _api_error(response: httpx.Response) -> GothamAPIError:
        status = response.status_code
        content = response.content
        if status == 404 and not content.strip():
            return ApiNotAvailableError(
                404,
                "NOT_FOUND",
                "ApiNotAvailable",
                detail="the Inbox API is not available on this host; check gotham:hostname",
            )
        error_class = error_class_for(status)
        try:
            envelope = response.json()
            return error_class(
                status,
                str(envelope["errorCode"]),
                str(envelope["errorName"]),
                str(envelope.get("errorInstanceId", "")),
                envelope.get("parameters") or {},
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            snippet = content[:200].decode("utf-8", "replace").strip()
            return error_class(
                status,
                "UNKNOWN",
                "NonJsonErrorBody",
                detail=f"the server answered with a non-JSON error body: {snippet!r}",
            )

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

from gotham_inbox.delivery import (
    HOST_MEMORY,
    Delivery,
    HostMemory,
    SourceIdPolicy,
    behaviour_shown,
    match_answer,
    refuses_source_id_field,
)
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
from gotham_inbox.retry import NOTHING_PROCESSED_STATUSES, RetryPolicy, parse_retry_after
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
        memory: what hosts were seen to do with sourceIds (default: the process-wide
            :data:`~gotham_inbox.delivery.HOST_MEMORY`); it decides what is idempotent.

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
        memory: HostMemory | None = None,
    ) -> None:
        self.base_url = base_url_for(hostname)
        self.memory = HOST_MEMORY if memory is None else memory
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

    @property
    def host_key(self) -> str:
        """The key of this host in :attr:`memory`: the base URL."""
        return str(self.base_url)

    def send(self, messages: Sequence[SendMessageRequest | dict[str, Any]]) -> SendMessagesResponse:
        """Send messages in one request and return the typed answer.

        Every message is validated first; if any is invalid, :class:`InvalidMessagesError`
        lists every problem and nothing is sent (the server would refuse the whole batch).
        :meth:`deliver` matches the answer to the messages and handles sourceId refusals.

        Raises:
            InvalidMessagesError: a message failed validation; nothing was sent.
            GothamAPIError: the server answered with an error (a subclass per status).
            RequestNotSentError: the server could not be reached; nothing was sent.
            OutcomeUnknownError: the answer was lost and a retry was not safe or ran out.
        """
        parsed = self._validated(messages)
        response, _ = self._exchange(parsed, omit_ids=False)
        return response

    def deliver(
        self,
        messages: Sequence[SendMessageRequest | dict[str, Any]],
        *,
        source_ids: SourceIdPolicy = "send",
    ) -> Delivery:
        """Send messages in one request; per message, the server's id and whether ours was used.

        ``source_ids``: ``send`` puts each message's ``sourceId`` on the wire, ``omit`` leaves
        it out, ``auto`` sends it unless this host is known to refuse the field, and when the
        host refuses it (a validation error naming ``sourceId``: nothing was sent) sends the
        same request once more without ids and remembers that for the host.

        Raises:
            InvalidMessagesError: a message failed validation; nothing was sent.
            GothamAPIError: the server answered with an error (a subclass per status).
            RequestNotSentError: the server could not be reached; nothing was sent.
            OutcomeUnknownError: the answer was lost, or cannot be matched to the messages
                unambiguously; the text says what may have happened.
        """
        parsed = self._validated(messages)
        omit = source_ids == "omit" or (
            source_ids == "auto" and self.memory.behaviour(self.host_key) == "refuses"
        )
        try:
            response, idempotent = self._exchange(parsed, omit_ids=omit)
        except GothamAPIError as error:
            if omit or source_ids != "auto" or not refuses_source_id_field(error):
                raise
            logger.warning(
                "%s refused the sourceId field (%s); sending again without sourceIds",
                self.base_url.host,
                error.error_name,
            )
            omit = True
            response, idempotent = self._exchange(parsed, omit_ids=True)
            self.memory.record(self.host_key, "refuses")
        requested = [str(message.source_id) if message.source_id else None for message in parsed]
        sent = [None] * len(parsed) if omit else requested
        results = match_answer(requested, sent, response)
        shown = behaviour_shown(results)
        if shown is not None:
            self.memory.record(self.host_key, shown)
        return Delivery(results, response, idempotent, ids_sent=not omit)

    def _validated(
        self, messages: Sequence[SendMessageRequest | dict[str, Any]]
    ) -> list[SendMessageRequest]:
        parsed, problems = check_messages(messages)
        if problems:
            raise InvalidMessagesError(problems)
        return [message for message in parsed if message is not None]

    def _exchange(
        self, parsed: list[SendMessageRequest], *, omit_ids: bool
    ) -> tuple[SendMessagesResponse, bool]:
        """POST the messages (with retries); the typed answer and whether it was idempotent."""
        if omit_ids:
            parsed = [message.model_copy(update={"source_id": None}) for message in parsed]
        # The validated models are serialised by pydantic-core in one pass: the same JSON as
        # each message's to_wire(), without building the dicts and encoding them again.
        request = SendMessagesRequest.model_construct(messages=parsed)
        body = request.model_dump_json(by_alias=True, exclude_none=True).encode()
        # A re-send cannot deliver twice only if every message carries an id AND this host has
        # been seen to honour ids; until an answer proved it, nothing is idempotent.
        idempotent = (
            all(message.source_id for message in parsed)
            and self.memory.behaviour(self.host_key) == "honours"
        )
        response = self._post_with_retries(body, idempotent=idempotent)
        try:
            answer = SendMessagesResponse.model_validate_json(response.content)
        except (ValueError, ValidationError) as error:
            raise OutcomeUnknownError(
                f"the server answered {response.status_code} with a body that is not a "
                f"SendMessagesResponse ({type(error).__name__}); the messages may have been sent"
            ) from None
        if not omit_ids:
            requested = [str(m.source_id) if m.source_id else None for m in parsed]
            try:
                shown = behaviour_shown(match_answer(requested, requested, answer))
            except OutcomeUnknownError:
                shown = None
            if shown is not None:
                self.memory.record(self.host_key, shown)
        return answer, idempotent

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
                        else "; not retried: a retry could deliver them twice, because not "
                        "every message has a sourceId or this host has not been seen to honour "
                        "sourceIds"
                    )
                )
                if not idempotent:
                    raise failure from None
            else:
                logger.info("POST %s -> %s (attempt %d)", SEND_PATH, response.status_code, attempt)
                if response.is_success:
                    return response
                failure = self._api_error(response)
                # 429 proves nothing was processed; any 5xx (503 included: a proxy may answer
                # it after the service processed the request) leaves the outcome unknown, so it
                # is re-sent only when the request is idempotent.
                if response.status_code in NOTHING_PROCESSED_STATUSES or (
                    response.status_code >= 500 and idempotent
                ):
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                else:
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

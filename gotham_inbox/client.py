"""The synchronous httpx client for Gotham's ``send messages`` endpoint."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import httpx
from pydantic import ValidationError

from gotham_inbox._answer import (
    DEADLINE_EXTENSION,
    DEFAULT_DEADLINE,
    DEFAULT_MAX_ANSWER_BYTES,
    Deadline,
    positive_limit,
    read_answer,
    require_complete,
)
from gotham_inbox._delivery import (
    HOST_MEMORY,
    Delivery,
    HostMemory,
    MessageResult,
    SourceIdPolicy,
    behaviour_shown,
    match_answer,
    refuses_source_id_field,
)
from gotham_inbox._failures import Failure, classify, scrub
from gotham_inbox._hosts import is_loopback_host
from gotham_inbox._retry import (
    NOTHING_PROCESSED_STATUSES,
    RetryPolicy,
    RetryRecord,
    parse_retry_after,
)
from gotham_inbox._tls import ssl_verification
from gotham_inbox.errors import (
    ApiNotAvailableError,
    ConfigurationError,
    GothamAPIError,
    GothamInboxError,
    InsecureTransportError,
    InvalidMessagesError,
    OutcomeUnknownError,
    TokenEndpointError,
    error_class_for,
    is_error_envelope,
)
from gotham_inbox.models import (
    PalantirError,
    SendMessageRequest,
    SendMessagesRequest,
    SendMessagesResponse,
)
from gotham_inbox.redaction import redact, redacting_logger
from gotham_inbox.validation import check_messages

logger = redacting_logger("gotham_inbox.client")

SEND_PATH = "/api/gotham/v1/inbox/messages"
ERROR_BODY_SHOWN = 200
"""Characters of a non-JSON error body quoted in the error (after redaction, never before)."""
ERROR_BODY_REDACTED = 64 * 1024
"""Characters of it redacted before the cut: more than any credential is long, so a secret that
starts in the quoted part is whole in what is redacted."""
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_HOST_CHARACTERS = re.compile(r"^[A-Za-z0-9._\-]+$|^[0-9A-Fa-f:.]+$")


def _version() -> str:
    try:
        return metadata.version("gotham-inbox")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"gotham-inbox/{_version()} python/{sys.version_info.major}.{sys.version_info.minor}"
"""Sent with every request, like the official client's ``gotham-platform-python-sdk/<v> ...``."""


def base_url_for(hostname: str) -> httpx.URL:
    """``example.com`` or ``example.com:8443`` -> ``https://example.com[:8443]``.

    A value that already has a scheme (``http://127.0.0.1:8765``) is taken as it is.
    A path after the host (``gateway.example.com/gotham``) is a gateway prefix, kept for the
    API and the token endpoint, as the official client keeps it.
    """
    hostname = hostname.strip().rstrip("/")
    if not hostname:
        raise ConfigurationError("the hostname is empty; set gotham:hostname or GOTHAM_HOSTNAME")
    # A hostname with "@" may carry a password: never quote it.
    shown = "the hostname" if "@" in hostname else repr(hostname[:200])
    unusable = ConfigurationError(
        f"{shown} is not a hostname or an http(s) base URL; set gotham:hostname to "
        "host[:port] or https://host[:port][/prefix]"
    )
    try:
        url = httpx.URL(hostname if "://" in hostname else f"https://{hostname}")
        host = url.host  # decodes IDNA; a bad label (xn--...) raises here, not at send time
        httpx.Request("POST", url.join(SEND_PATH.lstrip("/")))
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise unusable from None
    if url.scheme not in {"http", "https"} or not host or url.query or url.fragment:
        raise unusable
    if url.userinfo:
        raise ConfigurationError(
            "the hostname carries a user name or password; remove it and configure "
            "gotham:token or gotham:clientId/gotham:clientSecret instead"
        )
    if not _HOST_CHARACTERS.match(url.raw_host.decode("ascii")):
        raise unusable
    return url


class InboxClient:
    """Sends messages to Gotham Global Inbox.

    Args:
        hostname: the Gotham host (``gotham.example.com``), or a full base URL
            (``http://127.0.0.1:8765`` for the local emulator).
        auth: :class:`~gotham_inbox.TokenAuth` or
            :class:`~gotham_inbox.ClientCredentialsAuth`.
        timeout: an :class:`httpx.Timeout` or seconds; default 30 s (10 s to connect).
        verify: TLS verification: ``True`` (the default; ``REQUESTS_CA_BUNDLE``,
            ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` pick the CAs when set), or the path of a CA
            bundle file or CA directory.
        allow_insecure_http: allow plain ``http://`` to a host that is not loopback.
            Loopback hosts (the emulator) are always allowed.
        retry: a :class:`~gotham_inbox.RetryPolicy`; see its docs for what is retried.
        transport: an httpx transport, e.g. :class:`httpx.MockTransport` in tests.
        deadline: seconds the whole :meth:`send` may take (every attempt, wait and answer);
            ``None`` for none. Default 120 s.
        max_answer_bytes: the largest answer read; default 16 MiB.
        proxy: a proxy URL for every request; without it, httpx's ``HTTPS_PROXY`` /
            ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` environment variables apply.
        memory: what hosts were seen to do with sourceIds (default: the process-wide
            :data:`~gotham_inbox.HOST_MEMORY`); it decides what is idempotent.

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
        deadline: float | None = DEFAULT_DEADLINE,
        max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
        proxy: str | None = None,
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
        self.retry = retry or RetryPolicy()
        self.deadline = positive_limit(deadline, "deadline")
        self.max_answer_bytes = int(positive_limit(max_answer_bytes, "max_answer_bytes") or 0)
        self._timeout = httpx.Timeout(timeout)
        self._secret_values = getattr(auth, "secret_values", tuple)
        self._http = _http_client(self.base_url, auth, self._timeout, verify, transport, proxy)

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
            TokenEndpointError: no OAuth2 token could be had; nothing was sent.
            OutcomeUnknownError: the answer was lost, over the size limit, incomplete, late
                (the deadline), or a retry was not safe or ran out.

        No other exception escapes, and no error text carries any part of a credential the
        process holds (:mod:`gotham_inbox.redaction`).
        """
        try:
            parsed = self._validated(messages)
            answer, _ = self._exchange(parsed, omit_ids=False)
            # What the answer shows of the host's handling of ids is remembered all the same;
            # an answer that cannot be matched is returned as it is (deliver() refuses it).
            with contextlib.suppress(OutcomeUnknownError):
                self._matched(parsed, answer, ids_sent=True)
            require_complete(answer, len(parsed))
            return answer
        except GothamInboxError as error:
            raise scrub(error, self._redact) from None

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
            TokenEndpointError: no OAuth2 token could be had; nothing was sent.
            OutcomeUnknownError: the answer was lost, or cannot be matched to the messages
                unambiguously; the text says what may have happened.

        A message the answer leaves out (it names our ids for the others) is ``unknown`` in the
        results: it may or may not have been sent. No other exception escapes, and no error
        text carries any part of a credential the process holds.
        """
        try:
            return self._deliver(messages, source_ids)
        except GothamInboxError as error:
            raise scrub(error, self._redact) from None

    def probe(
        self, body: Mapping[str, Any], *, preview: bool = True
    ) -> GothamAPIError | httpx.Response:
        """POST ``body`` as it is (no validation) to the send endpoint; the server's refusal.

        For ``gotham-inbox doctor``, whose probes are requests the server must refuse by
        validation (a group that cannot exist), and so are never delivered. The request goes
        out exactly as :meth:`send` sends (auth, TLS, proxy, headers, deadline, answer size
        limit, typed and redacted errors) but ``preview=true`` is left out when ``preview`` is
        false, and only what proves nothing was processed is retried (a refused connection,
        a 429). Returns the refusal as a typed error, or the 2xx answer itself: whether it is
        Gotham's (a ``SendMessagesResponse``) or a login page is for the caller to judge.

        Raises:
            RequestNotSentError: the server could not be reached; nothing was sent.
            TokenEndpointError: no OAuth2 token could be had; nothing was sent.
            OutcomeUnknownError: the answer was lost, over the size limit or late.
            ConfigurationError: the request could not be made (hostname, proxy).
        """
        try:
            try:
                return self._post_with_retries(
                    json.dumps(body).encode(), idempotent=False, preview=preview
                )
            except GothamAPIError as error:
                scrub(error, self._redact)  # a server may echo the token it was sent
                return error
        except GothamInboxError as error:
            raise scrub(error, self._redact) from None

    def _redact(self, text: str) -> str:
        return redact(text, self._secret_values())

    def _deliver(
        self, messages: Sequence[SendMessageRequest | dict[str, Any]], source_ids: SourceIdPolicy
    ) -> Delivery:
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
            # Recorded first: if the request without ids fails too, its error must say that
            # the messages went without ids (no protection against a second delivery).
            self.memory.record(self.host_key, "refuses")
            response, idempotent = self._exchange(parsed, omit_ids=True)
        results = self._matched(parsed, response, ids_sent=not omit)
        return Delivery(results, response, idempotent, ids_sent=not omit)

    def _matched(
        self, parsed: list[SendMessageRequest], answer: SendMessagesResponse, *, ids_sent: bool
    ) -> tuple[MessageResult, ...]:
        """``answer`` matched to the request (:func:`match_answer`); what it shows of this
        host's handling of sourceIds is remembered for the next request.

        Raises:
            OutcomeUnknownError: the answer cannot be matched unambiguously.
        """
        requested = [str(message.source_id) if message.source_id else None for message in parsed]
        sent = requested if ids_sent else [None] * len(parsed)
        results = match_answer(requested, sent, answer)
        shown = behaviour_shown(results)
        if shown is not None:
            self.memory.record(self.host_key, shown)
        return results

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
        return answer, idempotent

    def _attempt(self, body: bytes, deadline: Deadline, *, preview: bool) -> httpx.Response:
        """One POST, its answer streamed within the deadline and the size limit."""
        with self._http.stream(
            "POST",
            SEND_PATH,
            params={"preview": "true"} if preview else {},
            content=body,
            headers={"Content-Type": "application/json"},
            timeout=deadline.bound(self._timeout),
            # The auth flow reads it: an OAuth token exchange counts against the same deadline.
            extensions={DEADLINE_EXTENSION: deadline},
        ) as streamed:
            return read_answer(
                streamed,
                max_bytes=self.max_answer_bytes,
                deadline=deadline,
                host=self.base_url.host,
            )

    def _failure(self, error: Exception, *, idempotent: bool) -> Failure:
        if isinstance(error, TokenEndpointError):
            return Failure(error, "always" if error.retryable else "never")
        if isinstance(error, GothamInboxError):  # already typed (e.g. a refused access token)
            return Failure(error, "never")
        return classify(
            error,
            send_path=SEND_PATH,
            host=self.base_url.host,
            idempotent=idempotent,
            redact=self._redact,
        )

    def _post_with_retries(
        self, body: bytes, *, idempotent: bool, preview: bool = True
    ) -> httpx.Response:
        retries = RetryRecord()
        what = f"POST {SEND_PATH}"
        try:
            response = self._post_attempts(body, retries, idempotent=idempotent, preview=preview)
        except Exception as error:
            ended = retries.summary(what, f"failed: {type(error).__name__}")
            if ended:
                logger.warning("%s", ended)
            raise
        ended = retries.summary(what, f"answered {response.status_code}")
        if ended:
            logger.warning("%s", ended)
        return response

    def _post_attempts(
        self, body: bytes, retries: RetryRecord, *, idempotent: bool, preview: bool
    ) -> httpx.Response:
        policy = self.retry
        started = policy.clock()
        deadline = Deadline(self.deadline, policy.clock)
        attempt = 1
        # What made an earlier attempt's outcome unknown (a lost answer, a 5xx) before it was
        # retried: from then on no failure may say "nothing was sent".
        earlier_unknown: str | None = None
        while True:
            retry_after: float | None = None
            failure: GothamInboxError
            maybe_processed = False
            try:
                response = self._attempt(body, deadline, preview=preview)
            except OutcomeUnknownError:
                raise  # over the size limit or the deadline: retrying would not help
            except Exception as error:  # every other exception becomes a typed error
                typed = self._failure(error, idempotent=idempotent)
                failure = typed.error
                if isinstance(failure, TokenEndpointError):
                    retry_after = failure.retry_after
                maybe_processed = typed.retry_when == "idempotent"
                retry = typed.retry_when == "always" or (maybe_processed and idempotent)
                if not retry:
                    raise _final(failure, earlier_unknown) from None
            else:
                logger.info("POST %s -> %s (attempt %d)", SEND_PATH, response.status_code, attempt)
                if response.is_success:
                    return response
                failure = self._api_error(response)
                maybe_processed = response.status_code >= 500
                # 429 proves nothing was processed; any 5xx (503 included: a proxy may answer
                # it after the service processed the request) leaves the outcome unknown, so it
                # is re-sent only when the request is idempotent.
                if response.status_code in NOTHING_PROCESSED_STATUSES or (
                    maybe_processed and idempotent
                ):
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                else:
                    raise _final(failure, earlier_unknown)
            wait = policy.backoff(attempt, retry_after)
            out_of_time = policy.clock() - started + wait > policy.max_total_seconds
            if attempt >= policy.max_attempts or out_of_time or not deadline.allows(wait):
                raise _final(failure, earlier_unknown) from None
            if maybe_processed and earlier_unknown is None:
                earlier_unknown = f"attempt {attempt}: {type(failure).__name__}"
            # Each retry in the debug log; the request's end logs them all in one line.
            retries.add(type(failure).__name__, wait)
            logger.debug(
                "retrying in %.2fs after %s (attempt %d of %d)",
                wait,
                type(failure).__name__,
                attempt,
                policy.max_attempts,
            )
            policy.sleep(wait)
            attempt += 1

    def _api_error(self, response: httpx.Response) -> GothamAPIError:
        status = response.status_code
        content = response.content
        if status == 404 and not content.strip():
            return ApiNotAvailableError(
                404,
                "NOT_FOUND",
                "ApiNotAvailable",
                detail="the Inbox API is not available on this host; check gotham:hostname",
                envelope=False,
            )
        error_class = error_class_for(status)
        try:
            body = response.json()
            envelope = PalantirError.model_validate(body)
        except (ValueError, RecursionError):
            # ValueError: not JSON, or JSON that is not an envelope (pydantic's ValidationError);
            # RecursionError: a hostile body nested thousands deep.
            # Redacted before it is cut: a cut first could leave the head of a secret that
            # straddles it, too short to be recognised afterwards.
            text = content[:ERROR_BODY_REDACTED].decode("utf-8", "replace")
            snippet = self._redact(text)[:ERROR_BODY_SHOWN].strip()
            return error_class(
                status,
                "UNKNOWN",
                "NonJsonErrorBody",
                detail=f"the server answered with a non-JSON error body: {snippet!r}",
                envelope=False,
            )
        return error_class(
            status,
            envelope.error_code,
            envelope.error_name,
            envelope.error_instance_id,
            envelope.parameters,
            envelope=is_error_envelope(body),
        )


def _final(failure: GothamInboxError, earlier_unknown: str | None) -> GothamInboxError:
    """The error a send ends with: after an attempt that may have been processed was retried,
    a later failure that says nothing was processed (a 4xx, a refused connection, the token
    endpoint) no longer proves that nothing was sent."""
    if earlier_unknown is None or isinstance(failure, OutcomeUnknownError):
        return failure
    if isinstance(failure, GothamAPIError) and failure.status_code >= 500:
        return failure  # already an unknown outcome
    return OutcomeUnknownError(
        f"{failure}; but an earlier attempt ({earlier_unknown}) was retried after its answer "
        "was lost or was a server error, so the messages may or may not have been sent"
    )


def _http_client(
    base_url: httpx.URL,
    auth: httpx.Auth,
    timeout: httpx.Timeout,
    verify: bool | str,
    transport: httpx.BaseTransport | None,
    proxy: str | None,
) -> httpx.Client:
    """The httpx client: TLS and proxies as the official client sets them up, no redirects."""
    if proxy is not None:
        try:
            scheme = httpx.URL(proxy).scheme
        except (httpx.InvalidURL, UnicodeError, ValueError):
            scheme = ""
        if scheme not in {"http", "https"}:  # as the official client: socks needs an extra
            raise ConfigurationError(
                "the proxy must be an http:// or https:// URL (gotham:proxy, proxy=)"
            )
    try:
        return httpx.Client(
            base_url=base_url,
            auth=auth,
            timeout=timeout,
            verify=ssl_verification(verify),
            transport=transport,
            proxy=proxy,
            headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        )
    except (ImportError, ValueError, httpx.InvalidURL) as error:
        # httpx reads HTTPS_PROXY / HTTP_PROXY / ALL_PROXY here: a socks:// one needs an extra
        # package, an unknown scheme or a bad URL is refused.
        raise ConfigurationError(
            f"the proxy settings are unusable ({type(error).__name__}); check HTTPS_PROXY, "
            "HTTP_PROXY and ALL_PROXY (http:// or https:// URLs), or gotham:proxy"
        ) from None

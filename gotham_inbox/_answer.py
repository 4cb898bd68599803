"""Reading the server's answer within bounds: an overall deadline, a size cap, completeness.

httpx's timeouts bound each network operation, not a whole request: a server that dribbles one
byte just inside the read timeout keeps a send going for ever. So the client streams the answer
and checks a monotonic deadline between chunks, and gives each attempt a timeout no longer than
what is left. The answer is read up to ``max_bytes`` and no further. A success answer must
account for every message sent, or nobody can say which of them went out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gotham_inbox.errors import ConfigurationError, IncompleteAnswerError, OutcomeUnknownError
from gotham_inbox.models import SendMessagesResponse

DEFAULT_DEADLINE = 120.0
"""Seconds a whole ``send`` may take: every attempt, every wait between them, every answer."""
DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""The largest answer read (decoded); an answer for 10,000 messages is well under 1 MiB."""

_UNBOUNDED_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


def positive_limit(value: float | None, name: str) -> float | None:
    """``value`` if it is a finite positive number (or ``None``: no limit)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{name} must be a number of seconds or bytes, or None")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{name} must be a finite number above 0, got {value!r}")
    return value


@dataclass
class Deadline:
    """A point in monotonic time after which no send work may start or continue."""

    seconds: float | None
    clock: Callable[[], float]

    def __post_init__(self) -> None:
        self._ends = None if self.seconds is None else self.clock() + self.seconds

    def remaining(self) -> float:
        """Seconds left (``inf`` without a deadline), never negative."""
        return math.inf if self._ends is None else max(self._ends - self.clock(), 0.0)

    def allows(self, wait: float) -> bool:
        """Whether waiting ``wait`` seconds still leaves time for another attempt."""
        return self.remaining() > wait

    def bound(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` with every phase cut to what is left of the deadline."""
        left = self.remaining()
        if math.isinf(left):
            return timeout

        def cut(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cut(timeout.connect),
            read=cut(timeout.read),
            write=cut(timeout.write),
            pool=cut(timeout.pool),
        )


DEADLINE_EXTENSION = "gotham_inbox.deadline"
"""The request extension by which the client hands a send's :class:`Deadline` to the auth flow,
so the OAuth token exchange (its request's timeouts, the reading of its answer) counts against
the same deadline as the send."""


def deadline_of(request: httpx.Request) -> Deadline | None:
    """The send's deadline that ``request`` carries (:data:`DEADLINE_EXTENSION`), if any."""
    deadline = request.extensions.get(DEADLINE_EXTENSION)
    return deadline if isinstance(deadline, Deadline) else None


def read_answer(
    response: httpx.Response, *, max_bytes: int, deadline: Deadline, host: str
) -> httpx.Response:
    """The answer read whole, within ``max_bytes`` and the deadline, as a plain response.

    For a success status (the messages were sent) any shortfall is an
    :class:`OutcomeUnknownError`. For an error status the status already says what happened, so
    the body is cut at the limit and the error is built from what was read.

    Raises:
        OutcomeUnknownError: a success answer over the size limit, or not read by the deadline.
        httpx.HTTPError: from the stream (a broken gzip body is ``httpx.DecodingError``).
    """
    content = bytearray()
    problem = ""
    for chunk in response.iter_bytes():
        content += chunk
        if len(content) > max_bytes:
            problem = f"the answer is over the {max_bytes}-byte limit (max_answer_bytes)"
            break
        if deadline.remaining() <= 0:
            problem = f"the answer was not complete within the {deadline.seconds:g} s deadline"
            break
    if problem:
        response.close()
        if response.is_success:
            raise OutcomeUnknownError(
                f"{host} answered {response.status_code} but {problem}; the messages were "
                "probably sent, but which ones is unknown"
            )
        del content[max_bytes:]
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _UNBOUNDED_HEADERS]
    return httpx.Response(
        response.status_code, headers=headers, content=bytes(content), request=response.request
    )


def require_complete(answer: SendMessagesResponse, sent: int) -> None:
    """Refuse a success answer that does not account for each of the ``sent`` messages.

    An answer with more entries than messages is left to the caller, which can match them by
    sourceId (the provider does); too few means some message's fate is unknown.

    Raises:
        IncompleteAnswerError: the answer lists fewer messages than were sent.
    """
    accounted = len(answer.responses) + len(answer.failures)
    if accounted < sent:
        raise IncompleteAnswerError(
            f"the server answered with success for {sent} message(s) but its answer accounts "
            f"for {accounted} ({len(answer.responses)} sent, {len(answer.failures)} failed); "
            "the others may or may not have been sent",
            answer,
        )

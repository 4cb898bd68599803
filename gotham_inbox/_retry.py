"""When and how long to wait before sending a request again.

A retry must never send a message twice. So the client repeats a request only when nothing can
have been processed (the connection was refused or failed before the request went out, or the
answer is a 429), or, for lost answers and 5xx answers (503 included: a proxy may send it after
the service processed the request), when the request is idempotent: every message carries a
``sourceId`` AND this host has been seen to honour sourceIds (a duplicate then comes back as a
conflict instead of a second message). See docs/source-ids.md.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

NOTHING_PROCESSED_STATUSES = frozenset({429})
"""Statuses that prove the request was not processed (a rate limiter refuses before the service
sees the request: ASSUMED, see docs/source-ids.md); retried whatever the request."""

RETRYABLE_STATUSES = NOTHING_PROCESSED_STATUSES | {503}
"""Statuses by which a server asks to come back later. Only :data:`NOTHING_PROCESSED_STATUSES`
are retried for requests that are not idempotent."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and pacing of retries.

    ``max_attempts`` counts the first try (1 turns retries off). Waits grow from
    ``initial_backoff`` by ``multiplier`` up to ``max_backoff``, with full jitter, unless the
    server sent ``Retry-After``, which is honoured up to ``max_backoff``. No retry starts once
    ``max_total_seconds`` have passed since the first try.
    """

    max_attempts: int = 4
    initial_backoff: float = 0.5
    multiplier: float = 2.0
    max_backoff: float = 10.0
    max_total_seconds: float = 60.0
    jitter: bool = True
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1 (1 turns retries off)")
        times = (self.initial_backoff, self.multiplier, self.max_backoff, self.max_total_seconds)
        if not all(math.isfinite(value) and value >= 0 for value in times):
            raise ValueError("backoff, multiplier and total times must be finite, not negative")

    def backoff(self, retry_number: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry_number`` (1 for the first retry)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_backoff)
        ceiling = min(
            self.initial_backoff * self.multiplier ** (retry_number - 1), self.max_backoff
        )
        return ceiling * self.random() if self.jitter else ceiling


NO_RETRIES = RetryPolicy(max_attempts=1)
"""A policy that never retries."""


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: either a number of seconds or an HTTP date.

    Anything else (``nan``, ``inf``, garbage) is ``None``, as if absent; a negative value or a
    date in the past is 0. The caller caps the wait (``RetryPolicy.max_backoff``).
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
        seconds = when.timestamp() - now()
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


@dataclass
class RetryRecord:
    """The retries of one request, told in one log line when the request ends.

    A failing deploy used to print a line per retry of every resource, before the error said
    the same thing; one line per request says how often, after what and for how long.
    """

    causes: list[str] = field(default_factory=list)
    """What each retried attempt ended with (an error class name), in order."""
    waited: float = 0.0
    """Seconds spent waiting between attempts."""

    def add(self, cause: str, wait: float) -> None:
        """One more retry, after ``cause``, waiting ``wait`` seconds first."""
        self.causes.append(cause)
        self.waited += wait

    def summary(self, what: str, outcome: str) -> str | None:
        """``what`` was retried N times (after which failures, how long), then ``outcome``;
        ``None`` when it was not retried."""
        if not self.causes:
            return None
        counted = ", ".join(
            f"{self.causes.count(cause)} {cause}" for cause in dict.fromkeys(self.causes)
        )
        times = "once" if len(self.causes) == 1 else f"{len(self.causes)} times"
        return (
            f"{what}: retried {times} (after {counted}; {self.waited:.2f}s of waiting), "
            f"then {outcome}"
        )

"""Faults on demand: make the emulator misbehave the way a real Gotham, or a proxy in front of
it, can. Off by default; see ``docs/faults.md``.

A :class:`FaultPlan` holds rules; each send request consults it once, and the first rule that
fires decides the request's fault. A rule fires for the next ``times`` requests (every request
if ``None``), each with probability ``rate`` drawn from the plan's seeded random generator, so
a run can be repeated exactly.

Fault kinds (:data:`FAULT_KINDS`):

- ``throttle``: 429 before processing, with ``Retry-After`` in seconds, or as an HTTP date with
  ``retry_after_date``; no body (Palantir's status-code errors carry none).
- ``unavailable``: 503 before processing; no body.
- ``error-after-commit``: the batch is processed and committed, then the answer is a 500
  ``Default:Internal`` (what a proxy that lost the upstream answer sends).
- ``unavailable-after-commit``: processed and committed, then a 503 with no body: what a
  proxy in front of Gotham sends when the upstream answer was lost. A 503 therefore does not
  prove that nothing was processed.
- ``drop-after-commit``: processed and committed, then the connection is closed without an
  answer.
- ``slow``: processed and committed, then the answer waits ``delay`` seconds.
- ``unknown-conflict``: the batch's first message is not stored and comes back in ``failures``
  with reason ``UNKNOWN``; the rest are processed as usual.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotham_inbox.emulator.catalogue import INTERNAL
from gotham_inbox.emulator.envelope import EmulatorError

FAULT_KINDS: tuple[str, ...] = (
    "throttle",
    "unavailable",
    "error-after-commit",
    "unavailable-after-commit",
    "drop-after-commit",
    "slow",
    "unknown-conflict",
)
BEFORE_PROCESSING = frozenset({"throttle", "unavailable"})
AFTER_COMMIT = frozenset(
    {"error-after-commit", "unavailable-after-commit", "drop-after-commit", "slow"}
)
TRANSPORT_EXTENSION = "gotham_inbox.transport"
"""Where the served emulator puts the connection's transport in the ASGI scope (to drop it)."""
FAULT_STATE = "fault"
"""The request state key of the fault a request got (the request log names it)."""


@dataclass(frozen=True)
class Fault:
    """One misbehaviour. ``retry_after`` is in seconds; ``delay`` is for ``slow``."""

    kind: str
    retry_after: float | None = None
    retry_after_date: bool = False
    delay: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault '{self.kind}'; use one of {', '.join(FAULT_KINDS)}")
        if self.kind == "throttle" and self.retry_after is None:
            # A 429 always says when to come back (1 s unless told otherwise).
            object.__setattr__(self, "retry_after", 1.0)
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError("retry-after must be 0 or more seconds")
        if self.delay < 0:
            raise ValueError("delay must be 0 or more seconds")

    def retry_after_header(self, now: float | None = None) -> str | None:
        """The ``Retry-After`` value: seconds, or an HTTP date that many seconds ahead."""
        if self.retry_after is None:
            return None
        if self.retry_after_date:
            moment = (time.time() if now is None else now) + self.retry_after
            return email.utils.formatdate(moment, usegmt=True)
        return f"{self.retry_after:g}"


@dataclass
class FaultRule:
    """A fault for the next ``times`` send requests (``None``: all), each with chance ``rate``."""

    fault: Fault
    times: int | None = None
    rate: float = 1.0

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")


@dataclass
class FaultPlan:
    """The rules a served emulator applies to send requests; thread-safe.

    ``injected`` lists the kind of every fault injected so far, in order, so a test can assert
    exactly which requests misbehaved.
    """

    seed: int | None = None
    rules: list[FaultRule] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def add(
        self,
        kind: str | Fault,
        *,
        times: int | None = None,
        rate: float = 1.0,
        retry_after: float | None = None,
        retry_after_date: bool = False,
        delay: float = 1.0,
    ) -> FaultRule:
        """Add a rule: ``plan.add("unavailable", times=2)``, ``plan.add("slow", rate=0.1)``."""
        fault = (
            kind
            if isinstance(kind, Fault)
            else Fault(kind, retry_after, retry_after_date=retry_after_date, delay=delay)
        )
        rule = FaultRule(fault, times, rate)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule (what was injected stays listed)."""
        with self._lock:
            self.rules.clear()

    def draw(self) -> Fault | None:
        """The fault for the next send request, if any (called once per request)."""
        with self._lock:
            for rule in self.rules:
                if rule.rate < 1.0 and self._random.random() >= rule.rate:
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self.rules.remove(rule)
                self.injected.append(rule.fault.kind)
                return rule.fault
        return None


def parse_fault(text: str) -> FaultRule:
    """A rule from its CLI form: ``KIND[:OPTION=VALUE,...]``.

    Options: ``times=N``, ``rate=P`` (0..1), ``retry-after=SECONDS``, ``retry-after-date``
    (send Retry-After as an HTTP date), ``delay=SECONDS``. For example
    ``throttle:times=2,retry-after=1`` or ``drop-after-commit:rate=0.2``.

    Raises:
        ValueError: naming the part that is wrong.
    """
    kind, _, options = text.strip().partition(":")
    values: dict[str, str] = {}
    for option in filter(None, (part.strip() for part in options.split(","))):
        name, has_value, value = option.partition("=")
        values[name.strip()] = value.strip() if has_value else ""
    known = {"times", "rate", "retry-after", "retry-after-date", "delay"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"unknown fault option '{unknown[0]}' in '{text}'; use {', '.join(sorted(known))}"
        )
    try:
        times = int(values["times"]) if "times" in values else None
        rate = float(values.get("rate", "1"))
        retry_after = float(values["retry-after"]) if "retry-after" in values else None
        delay = float(values.get("delay", "1"))
    except ValueError:
        raise ValueError(f"fault '{text}': option values must be numbers") from None
    fault = Fault(kind, retry_after, retry_after_date="retry-after-date" in values, delay=delay)
    return FaultRule(fault, times, rate)


def plan_from(specs: Sequence[str], seed: int | None = None) -> FaultPlan:
    """A plan from CLI fault specs (see :func:`parse_fault`)."""
    plan = FaultPlan(seed=seed)
    plan.rules.extend(parse_fault(spec) for spec in specs)
    return plan


class FaultMiddleware:
    """Applies a :class:`FaultPlan` to ``POST`` requests on ``path`` (the send endpoint)."""

    def __init__(self, app: ASGIApp, plan: FaultPlan, path: str) -> None:
        self.app = app
        self.plan = plan
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        fault = self.plan.draw()
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[FAULT_STATE] = fault
        if fault.kind in BEFORE_PROCESSING:
            await _answer_without_processing(fault, send)
        elif fault.kind in AFTER_COMMIT:
            await self._after_commit(fault, scope, receive, send)
        else:  # unknown-conflict: the route reads the fault from the request state
            await self.app(scope, receive, send)

    async def _after_commit(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)  # processed and committed; the answer is held
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            for message in held:
                await send(message)
        elif fault.kind == "error-after-commit":
            await _send_error(EmulatorError.of(INTERNAL, {"reason": "injected fault"}), send)
        elif fault.kind == "unavailable-after-commit":
            await _answer_without_processing(fault, send)
        else:
            await _drop(scope)


async def _answer_without_processing(fault: Fault, send: Send) -> None:
    status = 429 if fault.kind == "throttle" else 503  # the unavailable kinds
    headers = [(b"content-length", b"0")]
    retry_after = fault.retry_after_header()
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode("ascii")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _send_error(error: EmulatorError, send: Send) -> None:
    response = error.response()

    async def no_receive() -> Message:  # pragma: no cover - a response never reads
        return {"type": "http.disconnect"}

    await response({"type": "http"}, no_receive, send)


async def _drop(scope: Scope) -> None:
    transport: Any = scope.get("extensions", {}).get(TRANSPORT_EXTENSION)
    if transport is None:
        raise ConnectionAbortedError(
            "drop-after-commit needs a served emulator (running_emulator or the CLI)"
        )
    transport.abort()
    # Let the server see the connection is gone, so it neither answers nor logs an error.
    for _ in range(3):
        await asyncio.sleep(0)

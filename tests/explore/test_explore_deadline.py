"""The timer of ``--max-seconds`` is not lost where Python drops exceptions.

hypothesis measures garbage collection with a ``gc`` callback. An :class:`OutOfTime` raised
while such a callback runs is dropped by Python (it only reports it), so the bound fell back to
the clock read between rounds: minutes late for a slow example. The alarm here goes off in a
callback on purpose (``SIGALRM`` sent while it runs), as the timer would at the wrong moment,
or in code that catches it.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gotham_inbox.explore.deadline import OutOfTime, hard_deadline

LATER = 3600.0
"""A deadline the test never reaches: every alarm here is sent by the test."""


def _ordinary_code() -> None:
    # Python code that runs long enough for a timer re-armed at once to land in it.
    for _ in range(1000):
        time.sleep(0.01)


@pytest.fixture
def in_gc_callback() -> Iterator[Callable[[Callable[[], None]], None]]:
    """``in_gc_callback(action)``: run ``action`` inside a gc callback, once, now."""
    callbacks: list[Callable[[str, dict[str, Any]], None]] = []

    def run(action: Callable[[], None]) -> None:
        pending = [action]

        def callback(phase: str, info: dict[str, Any]) -> None:
            if phase == "start" and pending:
                pending.pop()()

        callbacks.append(callback)
        gc.callbacks.append(callback)
        gc.collect()

    yield run
    for callback in callbacks:
        gc.callbacks.remove(callback)


def _alarm_now() -> None:
    os.kill(os.getpid(), signal.SIGALRM)
    for _ in range(1000):  # the handler runs here, between bytecodes of the callback
        pass


def test_an_alarm_dropped_in_a_gc_callback_fires_again_in_ordinary_code(
    in_gc_callback: Callable[[Callable[[], None]], None],
) -> None:
    reached_after_the_callback = False
    with pytest.raises(OutOfTime), hard_deadline(time.monotonic() + LATER) as enforced:
        assert enforced
        in_gc_callback(_alarm_now)
        reached_after_the_callback = True  # the first OutOfTime was dropped in the callback
        _ordinary_code()
    assert reached_after_the_callback


def test_an_alarm_swallowed_by_the_code_it_lands_in_fires_again() -> None:
    swallowed = False
    with pytest.raises(OutOfTime), hard_deadline(time.monotonic() + LATER):
        try:
            _alarm_now()
        except OutOfTime:
            swallowed = True
        _ordinary_code()
    assert swallowed


def test_no_alarm_outlives_the_bound_once_it_got_through(
    in_gc_callback: Callable[[Callable[[], None]], None],
) -> None:
    handler_before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(OutOfTime), hard_deadline(time.monotonic() + LATER):
        in_gc_callback(_alarm_now)
        _ordinary_code()
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler_before


def test_only_other_dropped_exceptions_reach_the_previous_hook(
    in_gc_callback: Callable[[Callable[[], None]], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dropped OutOfTime is no error: nothing printed ("Exception ignored in ..."), no warning.
    reported: list[BaseException | None] = []

    def report(unraisable: Any) -> None:
        reported.append(unraisable.exc_value)

    monkeypatch.setattr(sys, "unraisablehook", report)

    def fail() -> None:
        raise ValueError("a callback's own error")

    with pytest.raises(OutOfTime), hard_deadline(time.monotonic() + LATER):
        in_gc_callback(fail)
        in_gc_callback(_alarm_now)
        _ordinary_code()
    assert [type(error) for error in reported] == [ValueError]
    assert sys.unraisablehook is report

"""The wall-clock bound of ``check --explore``: ``--max-seconds`` enforced, not just read.

hypothesis has no time budget, and reading the clock between examples is not a bound: drawing
one value from a pathological schema (a nested repetition, a catastrophic ``pattern`` that a
filter or the validator backtracks on) or one shrink pass can take minutes without returning.
So the search runs under an interval timer (``SIGALRM``): when the budget is spent, the handler
raises :class:`OutOfTime` in the main thread wherever it is, in Python code, in a wait for the
worker (the wait is interrupted and the worker killed) or in the regular-expression engine
(``re`` checks for signals while it backtracks).

:class:`OutOfTime` is a :class:`KeyboardInterrupt`: hypothesis lets that through at once, without
counting it as a failure of the example or saving it to the example database, as it does for
Ctrl-C. Where there is no ``SIGALRM`` (Windows) or the search does not run in the main thread,
only the clock read between examples bounds it (see :func:`hard_deadline`).

Where Python cannot let an exception through (a garbage-collector callback such as hypothesis's,
a ``__del__``, a weakref callback), it reports it to :func:`sys.unraisablehook` and drops it.
While the bound holds, an :class:`OutOfTime` dropped so is caught there and the timer fires again
:data:`RETRY_SECONDS` later, until it lands in ordinary code.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

RETRY_SECONDS = 0.01
"""How soon the timer fires again after an :class:`OutOfTime` that Python dropped."""


class OutOfTime(KeyboardInterrupt):
    """The search's wall-clock budget is spent; raised wherever the search is at that moment."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def hard_deadline(at: float) -> Iterator[bool]:
    """Raise :class:`OutOfTime` in this thread when ``time.monotonic()`` reaches ``at``.

    Yields whether the bound is enforced (``False``: no ``SIGALRM`` here, or not the main
    thread; the caller's own clock reads are then the only bound). The caller catches
    :class:`OutOfTime` *outside* this block: the timer may fire just as the block ends.
    """
    if not _can_alarm():
        yield False
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise OutOfTime()

    previous_hook = sys.unraisablehook

    def dropped(unraisable: sys.UnraisableHookArgs) -> None:
        if isinstance(unraisable.exc_value, OutOfTime):
            # Raised where Python drops exceptions: not lost, the timer fires again shortly.
            # Re-armed only here, not on every alarm, so no alarm outlives one that got through.
            signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
            return
        previous_hook(unraisable)

    previous = signal.signal(signal.SIGALRM, expire)
    sys.unraisablehook = dropped
    try:
        # setitimer(0) would disarm it: a deadline already past fires at once.
        signal.setitimer(signal.ITIMER_REAL, max(at - time.monotonic(), 1e-3))
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGALRM, previous)

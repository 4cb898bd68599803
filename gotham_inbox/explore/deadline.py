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
a ``__del__``, a weakref callback), it drops it (reporting it to :func:`sys.unraisablehook`,
which stays silent for an :class:`OutOfTime`). So each alarm re-arms the timer
:data:`RETRY_SECONDS` ahead, until the block ends: an :class:`OutOfTime` dropped, or swallowed
by code that catches it, is raised again until it reaches ordinary code.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from types import FrameType
from typing import Any

RETRY_SECONDS = 0.05
"""How soon the timer fires again after an :class:`OutOfTime`, in case it was dropped."""


class OutOfTime(KeyboardInterrupt):
    """The search's wall-clock budget is spent; raised wherever the search is at that moment."""


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def hard_deadline(at: float) -> contextlib.AbstractContextManager[bool]:
    """Raise :class:`OutOfTime` in this thread when ``time.monotonic()`` reaches ``at``.

    Enters as whether the bound is enforced (``False``: no ``SIGALRM`` here, or not the main
    thread; the caller's own clock reads are then the only bound). The caller catches
    :class:`OutOfTime` *outside* this block: the timer may fire just as the block ends.
    """
    return _Alarm(at) if _can_alarm() else contextlib.nullcontext(False)


class _Alarm:
    """The interval timer of one :func:`hard_deadline`, its handler, and what it replaced."""

    def __init__(self, at: float) -> None:
        self.at = at
        self.previous: Any = None
        self.previous_hook = sys.unraisablehook

    def __enter__(self) -> bool:
        self.previous = signal.signal(signal.SIGALRM, self._expire)
        self.previous_hook = sys.unraisablehook
        sys.unraisablehook = self._dropped
        # setitimer(0) would disarm it: a deadline already past fires at once.
        signal.setitimer(signal.ITIMER_REAL, max(self.at - time.monotonic(), 1e-3))
        return True

    def __exit__(self, *exc_info: object) -> None:
        # Whatever ends the block, the timer is disarmed first: no alarm outlives it.
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.unraisablehook = self.previous_hook
        signal.signal(signal.SIGALRM, self.previous)

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        if frame is not None and frame.f_code is _LEAVING:
            return  # the block is ending: __exit__ disarms, and must not be cut short
        # Python may drop this exception (raised in a gc callback, a __del__, or caught by
        # code that swallows it): until __exit__ runs, the timer fires again shortly.
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)
        raise OutOfTime()

    def _dropped(self, unraisable: sys.UnraisableHookArgs) -> None:
        # A dropped OutOfTime is no error (the timer fires again): nothing printed for it.
        if not isinstance(unraisable.exc_value, OutOfTime):
            self.previous_hook(unraisable)


_LEAVING = _Alarm.__exit__.__code__

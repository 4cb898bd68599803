"""Repeated timing with medians; side-by-side measurements interleave their runs.

On a shared, noisy machine a single run says little. Every figure is the median of several
runs, garbage collection is paused inside a timed run (as :mod:`timeit` does) so a collection
triggered by earlier work does not land in one sample at random, and two things that are
compared run alternately, so a burst of load from elsewhere hits both.
"""

from __future__ import annotations

import functools
import gc
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Samples:
    """Wall-clock seconds of repeated runs of one thing."""

    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median run, in seconds."""
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        """``min-max`` of the runs, for the reader to judge the noise."""
        return f"{min(self.seconds):.3g}-{max(self.seconds):.3g}"


def timed(run: Callable[[], Any]) -> float:
    """Seconds one call of ``run`` takes, with garbage collection paused."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        run()
        return time.perf_counter() - started
    finally:
        gc.enable()


def measure(
    run: Callable[[Any], Any], repeats: int, setup: Callable[[], Any] = lambda: None
) -> Samples:
    """Time ``run(setup())`` ``repeats`` times; ``setup`` runs outside the timer."""
    seconds = []
    for _ in range(repeats):
        prepared = setup()
        seconds.append(timed(functools.partial(run, prepared)))
    return Samples(tuple(seconds))


def side_by_side(
    runs: Mapping[str, Callable[[Any], Any]],
    repeats: int,
    *,
    setups: Mapping[str, Callable[[], Any]] | None = None,
    warmup: int = 1,
) -> dict[str, Samples]:
    """Time each of ``runs`` ``repeats`` times, alternating them (and their order each round).

    ``runs[name](prepared)`` is timed; ``prepared`` comes from ``setups[name]()``, called
    outside the timer before every run (``None`` without a setup).
    """
    names = list(runs)

    def prepare(name: str) -> Any:
        setup = (setups or {}).get(name)
        return setup() if setup is not None else None

    for _ in range(warmup):
        for name in names:
            runs[name](prepare(name))
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        order = names if round_ % 2 == 0 else list(reversed(names))
        for name in order:
            prepared = prepare(name)
            run = runs[name]
            seconds[name].append(timed(functools.partial(run, prepared)))
    return {name: Samples(tuple(values)) for name, values in seconds.items()}

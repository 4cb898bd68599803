"""Fixtures of the policy tests: the real pack, started once per stack setup and shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import pytest

from tests.policies.policy_support import Analyzer


@pytest.fixture(scope="module")
def analyzer_for() -> Iterator[Callable[..., Analyzer]]:
    """``analyzer_for(stack, config)``: the pack as the engine starts it for that stack.

    The engine tells a pack its stack and config once, in ``ConfigureStack``, so one process
    serves every test with the same stack setup; each test configures it afresh.
    """
    started: dict[tuple[str, tuple[tuple[str, str], ...]], Analyzer] = {}

    def get(stack: str = "dev", config: Mapping[str, str] | None = None) -> Analyzer:
        key = (stack, tuple(sorted((config or {}).items())))
        if key not in started:
            started[key] = Analyzer(stack, config or {})
        return started[key]

    yield get
    for analyzer in started.values():
        analyzer.close()

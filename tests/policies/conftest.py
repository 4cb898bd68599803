"""Fixtures of the policy tests: the real pack, started once per stack setup and shared."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.policies.harness import Analyzer, AnalyzerPool


@pytest.fixture(scope="module")
def analyzer_for() -> Iterator[Callable[..., Analyzer]]:
    """``analyzer_for(stack, config)``: the pack as the engine starts it for that stack."""
    pool = AnalyzerPool()
    yield pool.get
    pool.close()

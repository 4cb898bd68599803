"""The end-to-end tests need the Pulumi CLI that ``scripts/install-pulumi`` builds.

``make test`` builds it first when Go is installed. Without it these tests skip, except under
CI (``CI`` set), where a missing engine is a failure: CI must prove the whole workflow.
"""

from __future__ import annotations

import pytest

from tests.e2e.e2e_support import engine_problem, skip_or_fail


@pytest.fixture(scope="session")
def pulumi_engine() -> None:
    """Skips (or, under CI, fails) the test when the locally built Pulumi CLI is not usable."""
    problem = engine_problem()
    if problem is None:
        return
    message = (
        f"the Pulumi CLI for the end-to-end tests is not installed: {problem}. "
        "Build it with scripts/install-pulumi (needs Go; `make test` runs it when Go is found)"
    )
    skip_or_fail(message)

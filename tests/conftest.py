"""Suite-wide settings: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (the default) is quick for local runs; ``ci`` (selected by .ci/run)
runs five times the examples and longer state-machine runs, derandomised so a CI failure
reproduces. The example database lives in .hypothesis/, which git ignores.

Measured on two shared cores: under ``ci`` the property suite (tests/properties/) takes about a
minute and the whole suite two to three; under ``dev`` about 15 s and a minute.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from gotham_inbox.delivery import HOST_MEMORY


@pytest.fixture(autouse=True)
def _forget_what_hosts_do_with_source_ids() -> Iterator[None]:
    """Each test starts with no host known to honour, ignore or refuse sourceIds."""
    HOST_MEMORY.forget()
    yield
    HOST_MEMORY.forget()


settings.register_profile(
    "dev",
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

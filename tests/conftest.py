"""Suite-wide settings: hypothesis profiles.

``HYPOTHESIS_PROFILE=dev`` (the default) is quick for local runs; ``ci`` (selected by .ci/run)
runs more examples, derandomised so a CI failure reproduces. The example database lives in
.hypothesis/, which git ignores.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

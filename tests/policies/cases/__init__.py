"""The rule cases, one module per policy: each run through ``evaluate``, through the real pack
driven over gRPC as the engine drives it, and through a parity check between the two.

:data:`CASES` keeps the modules in the pack's order of policies, the config-knowledge cases after
``inbox-message-valid`` and the enforcement levels last.
"""

from __future__ import annotations

from tests.policies.cases import (
    batch_atomicity,
    content,
    levels,
    markings,
    message_valid,
    realm_requirements,
    recipients_can_read,
    unjudged,
)
from tests.policies.cases.case import Case, Expect, Reported, assert_expectations

CASES: list[Case] = [
    *message_valid.CASES,
    *unjudged.CASES,
    *batch_atomicity.CASES,
    *realm_requirements.CASES,
    *markings.CASES,
    *recipients_can_read.CASES,
    *content.CASES,
    *levels.CASES,
]

__all__ = ["CASES", "Case", "Expect", "Reported", "assert_expectations"]

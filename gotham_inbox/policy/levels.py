"""Enforcement levels, named and ordered as Pulumi names them."""

from __future__ import annotations

from enum import StrEnum


class EnforcementLevel(StrEnum):
    """What a violation of a policy does to a deployment."""

    ADVISORY = "advisory"
    """Reported; the deployment goes on."""
    MANDATORY = "mandatory"
    """Reported; the deployment stops (``check`` exits 1)."""
    REMEDIATE = "remediate"
    """Pulumi's level for policies that rewrite resources. Ours rewrite nothing, so, like
    pulumi_policy, a violation at this level is reported as mandatory."""
    DISABLED = "disabled"
    """The policy does not run."""

    @property
    def reported(self) -> EnforcementLevel:
        """The level a violation is reported at (``remediate`` reports as ``mandatory``)."""
        return EnforcementLevel.MANDATORY if self is EnforcementLevel.REMEDIATE else self


LEVEL_NAMES: tuple[str, ...] = tuple(level.value for level in EnforcementLevel)

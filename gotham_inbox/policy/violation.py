"""What a rule reports and what that does to a deployment.

A rule returns :class:`Finding` objects; a :class:`Violation` is a finding of one policy at the
:class:`EnforcementLevel` the policy is enforced at (levels named and ordered as Pulumi names
them).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef


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


class _Reported:
    """What a finding and a violation both say: a property path and what is wrong there."""

    field: str
    reason: str

    @property
    def text(self) -> str:
        """The text the pack reports to the engine: the path, then the reason."""
        return f"{self.field}: {self.reason}" if self.field else self.reason

    @property
    def message(self) -> str:
        """Deprecated name of :attr:`reason` (a "message" here is an inbox message)."""
        name = type(self).__name__
        warnings.warn(
            f"{name}.message is deprecated; use {name}.reason", DeprecationWarning, stacklevel=2
        )
        return self.reason


@dataclass(frozen=True)
class Finding(_Reported):
    """One thing wrong with one resource.

    ``field`` is the property path inside the resource (``messages[2].groupRecipients[0].realm``,
    empty for the resource as a whole) and ``reason`` says what is wrong and how to fix it.
    """

    urn: str
    resource_name: str
    message_index: int | None
    field: str
    reason: str


def resource_finding(resource: InboxResource, field: str, reason: str) -> Finding:
    """A finding about a resource as a whole, or one of its inputs outside any message."""
    return Finding(resource.urn, resource.name, None, field, reason)


def message_finding(resource: InboxResource, ref: MessageRef, field: str, reason: str) -> Finding:
    """A finding about a field (wire path inside the message) of one message of a resource."""
    return Finding(resource.urn, resource.name, ref.index, ref.path(field), reason)


@dataclass(frozen=True)
class Exemption:
    """A policy exception (Pulumi's version-2 policy config) that exempts a violation."""

    id: str
    reason: str

    def to_json(self) -> dict[str, str]:
        """The exemption as a JSON object (the ``--format json`` report)."""
        return {"id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class Violation(_Reported):
    """A finding of a policy, at the level the policy is enforced."""

    policy: str
    level: EnforcementLevel
    urn: str
    resource_name: str
    message_index: int | None
    field: str
    reason: str
    exemptions: tuple[Exemption, ...] = ()
    """The policy exceptions that exempt it, lowest id first (see :mod:`.exceptions`)."""

    @classmethod
    def of(cls, policy: str, level: EnforcementLevel, finding: Finding) -> Violation:
        """The violation of ``policy`` at ``level`` for ``finding``."""
        return cls(
            policy,
            level.reported,
            finding.urn,
            finding.resource_name,
            finding.message_index,
            finding.field,
            finding.reason,
        )

    @property
    def is_exempted(self) -> bool:
        """True when a policy exception exempts it: reported, never stopping a deployment."""
        return bool(self.exemptions)

    @property
    def is_mandatory(self) -> bool:
        """True when this violation stops a deployment: mandatory and not exempted."""
        return self.level is EnforcementLevel.MANDATORY and not self.exemptions

    def to_json(self) -> dict[str, Any]:
        """The violation as a JSON object (the ``--format json`` report)."""
        return {
            "policy": self.policy,
            "level": self.level.value,
            "urn": self.urn,
            "resource": self.resource_name,
            "messageIndex": self.message_index,
            "field": self.field,
            "message": self.reason,  # the report format's documented key
            "exceptions": [exemption.to_json() for exemption in self.exemptions],
        }

"""What a rule reports: a finding, and a violation (a finding at a policy's level)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.resources import InboxResource, MessageRef


@dataclass(frozen=True)
class Finding:
    """One thing wrong with one resource.

    ``field`` is the property path inside the resource (``messages[2].groupRecipients[0].realm``,
    empty for the resource as a whole) and ``reason`` says what is wrong and how to fix it.
    """

    urn: str
    resource_name: str
    message_index: int | None
    field: str
    reason: str

    @property
    def text(self) -> str:
        """The text the pack reports to the engine: the path, then the reason."""
        return f"{self.field}: {self.reason}" if self.field else self.reason

    @property
    def message(self) -> str:
        """Deprecated name of :attr:`reason` (a "message" here is an inbox message)."""
        return _deprecated_message(self)


def _deprecated_message(found: Finding | Violation) -> str:
    name = type(found).__name__
    warnings.warn(
        f"{name}.message is deprecated; use {name}.reason", DeprecationWarning, stacklevel=3
    )
    return found.reason


def resource_finding(resource: InboxResource, field: str, reason: str) -> Finding:
    """A finding about a resource as a whole, or one of its inputs outside any message."""
    return Finding(resource.urn, resource.name, None, field, reason)


def message_finding(resource: InboxResource, ref: MessageRef, field: str, reason: str) -> Finding:
    """A finding about a field (wire path inside the message) of one message of a resource."""
    return Finding(resource.urn, resource.name, ref.index, ref.path(field), reason)


@dataclass(frozen=True)
class Violation:
    """A finding of a policy, at the level the policy is enforced."""

    policy: str
    level: EnforcementLevel
    urn: str
    resource_name: str
    message_index: int | None
    field: str
    reason: str

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
    def text(self) -> str:
        """The path, then what is wrong and how to fix it (what the pack reports)."""
        return f"{self.field}: {self.reason}" if self.field else self.reason

    @property
    def message(self) -> str:
        """Deprecated name of :attr:`reason` (a "message" here is an inbox message)."""
        return _deprecated_message(self)

    @property
    def is_mandatory(self) -> bool:
        """True when this violation stops a deployment."""
        return self.level is EnforcementLevel.MANDATORY

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
        }

"""How the pack and each of its policies describe themselves.

A rule module declares its policy as a :class:`PolicySpec` (``SPEC``: name, default level,
description, severity, remediation, properties model and rules); :mod:`.registry` lists them. The
pack's own name, description, repository and tags are here too: a policy's ``url`` points into
the pack's documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.properties import (
    PolicyProperties,
    parse_policy_properties,
    properties_schema,
)
from gotham_inbox.policy.violation import EnforcementLevel, Finding

PACK_NAME = "gotham-inbox"
"""The policy pack's name (``PolicyPack(name=...)``)."""
PACK_DISPLAY_NAME = "Gotham Global Inbox"
"""The pack's display name (``PolicyPack(display_name=...)``)."""
PACK_DESCRIPTION = "Checks every Gotham Global Inbox message before a deploy sends it."
PACK_REPOSITORY = "https://github.com/gotham-inbox/gotham-inbox"
"""Where the pack is defined (``PolicyPack(repository=...)``); the policies' ``url`` and
SARIF's ``helpUri`` point at its ``docs/policy-pack.md``."""
PACK_TAGS = ("gotham", "inbox", "messaging", "security")


class Severity(StrEnum):
    """How serious a violation of a policy is (pulumi_policy's ``Severity``, SARIF's
    ``security-severity``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def policy_url(name: str) -> str:
    """The documentation of a policy: its section of ``docs/policy-pack.md``."""
    return f"{PACK_REPOSITORY}/blob/main/docs/policy-pack.md#{name}"


PropertiesT = TypeVar("PropertiesT", bound=PolicyProperties)

ResourceRule = Callable[[InboxResource, PropertiesT, StackContext], list[Finding]]
MessageRule = Callable[[InboxResource, MessageRef, PropertiesT, StackContext], list[Finding]]
StackRule = Callable[[Sequence[InboxResource], PropertiesT, StackContext], list[Finding]]


@dataclass(frozen=True)
class PolicySpec(Generic[PropertiesT]):
    """One policy: its name, default level, description, properties model and rules, and what
    CrossGuard shows of it (display name, severity, remediation steps, tags).

    Each rule module declares its own, as ``SPEC``, at its end (after the rules it names).
    ``check_resource`` runs once per inbox resource and ``check_message`` once per message of
    the resource: together they are the policy's rule for one resource (Pulumi's Analyze).
    ``check_stack`` runs once over all of them (AnalyzeStack).
    """

    name: str
    description: str
    default_level: EnforcementLevel
    properties_model: type[PropertiesT]
    check_resource: ResourceRule[PropertiesT] | None = None
    check_stack: StackRule[PropertiesT] | None = None
    check_message: MessageRule[PropertiesT] | None = None
    display_name: str = ""
    severity: Severity = Severity.MEDIUM
    remediation_steps: str = ""
    tags: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """Where the policy is documented."""
        return policy_url(self.name)

    @property
    def checks_resources(self) -> bool:
        """True when the policy has a rule for each resource (Analyze)."""
        return self.check_resource is not None or self.check_message is not None

    def parse_properties(self, properties: Mapping[str, Any] | None) -> PropertiesT:
        """The policy's parsed properties; :class:`PolicyConfigError` if invalid."""
        return parse_policy_properties(self.name, self.properties_model, properties)

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the policy's properties."""
        return properties_schema(self.properties_model)

    def default_properties(self) -> dict[str, Any]:
        """The properties Pulumi fills in from the schema's defaults."""
        return {
            name: prop["default"]
            for name, prop in self.schema()["properties"].items()
            if "default" in prop
        }

"""The policies of the ``gotham-inbox`` pack, in one list that the pack and ``check`` share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from gotham_inbox.policy import (
    batch_atomicity,
    content,
    markings,
    message_valid,
    realm_requirements,
    recipients_can_read,
)
from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.resources import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.settings import PolicyConfig, config_schema, parse_policy_config
from gotham_inbox.policy.violation import Finding

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


ConfigT = TypeVar("ConfigT", bound=PolicyConfig)

ResourceRule = Callable[[InboxResource, ConfigT, StackContext], list[Finding]]
MessageRule = Callable[[InboxResource, MessageRef, ConfigT, StackContext], list[Finding]]
StackRule = Callable[[Sequence[InboxResource], ConfigT, StackContext], list[Finding]]


@dataclass(frozen=True)
class PolicySpec(Generic[ConfigT]):
    """One policy: its name, default level, description, config model and rules.

    ``check_resource`` runs once per inbox resource and ``check_message`` once per message of
    the resource: together they are the policy's rule for one resource (Pulumi's Analyze).
    ``check_stack`` runs once over all of them (AnalyzeStack).
    """

    name: str
    description: str
    default_level: EnforcementLevel
    config_model: type[ConfigT]
    check_resource: ResourceRule[ConfigT] | None = None
    check_stack: StackRule[ConfigT] | None = None
    check_message: MessageRule[ConfigT] | None = None
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

    def parse_config(self, properties: Mapping[str, Any] | None) -> ConfigT:
        """The policy's config from its properties; :class:`PolicyConfigError` if invalid."""
        return parse_policy_config(self.name, self.config_model, properties)

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the policy's properties."""
        return config_schema(self.config_model)

    def default_properties(self) -> dict[str, Any]:
        """The properties Pulumi fills in from the schema's defaults."""
        return {
            name: prop["default"]
            for name, prop in self.schema()["properties"].items()
            if "default" in prop
        }


POLICIES: tuple[PolicySpec[Any], ...] = (
    PolicySpec(
        message_valid.NAME,
        message_valid.DESCRIPTION,
        message_valid.DEFAULT_LEVEL,
        message_valid.MessageValidConfig,
        check_resource=message_valid.check_resource,
        check_message=message_valid.check_message,
        display_name=message_valid.DISPLAY_NAME,
        severity=Severity(message_valid.SEVERITY),
        remediation_steps=message_valid.REMEDIATION_STEPS,
        tags=message_valid.TAGS,
    ),
    PolicySpec(
        batch_atomicity.NAME,
        batch_atomicity.DESCRIPTION,
        batch_atomicity.DEFAULT_LEVEL,
        batch_atomicity.BatchAtomicityConfig,
        check_resource=batch_atomicity.check_resource,
        check_stack=batch_atomicity.check_stack,
        display_name=batch_atomicity.DISPLAY_NAME,
        severity=Severity(batch_atomicity.SEVERITY),
        remediation_steps=batch_atomicity.REMEDIATION_STEPS,
        tags=batch_atomicity.TAGS,
    ),
    PolicySpec(
        realm_requirements.NAME,
        realm_requirements.DESCRIPTION,
        realm_requirements.DEFAULT_LEVEL,
        realm_requirements.RealmRequirementsConfig,
        check_message=realm_requirements.check_message,
        display_name=realm_requirements.DISPLAY_NAME,
        severity=Severity(realm_requirements.SEVERITY),
        remediation_steps=realm_requirements.REMEDIATION_STEPS,
        tags=realm_requirements.TAGS,
    ),
    PolicySpec(
        markings.NAME,
        markings.DESCRIPTION,
        markings.DEFAULT_LEVEL,
        markings.MarkingsConfig,
        check_message=markings.check_message,
        display_name=markings.DISPLAY_NAME,
        severity=Severity(markings.SEVERITY),
        remediation_steps=markings.REMEDIATION_STEPS,
        tags=markings.TAGS,
    ),
    PolicySpec(
        recipients_can_read.NAME,
        recipients_can_read.DESCRIPTION,
        recipients_can_read.DEFAULT_LEVEL,
        recipients_can_read.RecipientsCanReadConfig,
        check_message=recipients_can_read.check_message,
        display_name=recipients_can_read.DISPLAY_NAME,
        severity=Severity(recipients_can_read.SEVERITY),
        remediation_steps=recipients_can_read.REMEDIATION_STEPS,
        tags=recipients_can_read.TAGS,
    ),
    PolicySpec(
        content.NAME,
        content.DESCRIPTION,
        content.DEFAULT_LEVEL,
        content.ContentConfig,
        check_message=content.check_message,
        display_name=content.DISPLAY_NAME,
        severity=Severity(content.SEVERITY),
        remediation_steps=content.REMEDIATION_STEPS,
        tags=content.TAGS,
    ),
)
"""Every policy of the pack, in the order the pack runs them."""

POLICIES_BY_NAME: Mapping[str, PolicySpec[Any]] = {spec.name: spec for spec in POLICIES}

"""The policy pack's verdict on messages, configured from an emulator directory for a caller."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gotham_inbox.directory import Directory, DirectorySource, User, as_directory
from gotham_inbox.policy.directory_config import policy_config_from_directory
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    InboxResource,
    StackContext,
    inbox_resource,
)
from gotham_inbox.policy.pack_config import PackConfig, resolve_pack_config
from gotham_inbox.policy.violation import EnforcementLevel, Violation


@dataclass(frozen=True)
class PolicyVerdict:
    """Every violation the pack reports, with views by level and by message."""

    violations: tuple[Violation, ...]

    @property
    def mandatory(self) -> list[Violation]:
        """The violations that stop a deployment."""
        return [v for v in self.violations if v.level is EnforcementLevel.MANDATORY]

    @property
    def advisory(self) -> list[Violation]:
        """The violations that are only reported."""
        return [v for v in self.violations if v.level is EnforcementLevel.ADVISORY]

    @property
    def blocks(self) -> bool:
        """True when a deployment with these messages would stop before sending anything."""
        return bool(self.mandatory)

    @property
    def mandatory_indexes(self) -> set[int | None]:
        """The batch positions named by mandatory violations (``None``: the resource itself)."""
        return {violation.message_index for violation in self.mandatory}

    def about(
        self,
        *,
        index: int | None = None,
        policy: str | None = None,
        field: str | None = None,
        level: EnforcementLevel | None = None,
    ) -> list[Violation]:
        """The violations matching every criterion given (``field`` matches as a prefix)."""
        return [
            violation
            for violation in self.violations
            if (index is None or violation.message_index == index)
            and (policy is None or violation.policy == policy)
            and (field is None or violation.field.startswith(field))
            and (level is None or violation.level is level)
        ]

    def lines(self) -> list[str]:
        """One line per violation: level, policy, path and text."""
        return [f"{v.level.value} {v.policy} {v.text}" for v in self.violations] or [
            "no violations"
        ]


@dataclass(frozen=True)
class PolicyChecker:
    """The pack's policies, configured for ``caller`` sending into ``directory``'s groups.

    Build one with :meth:`for_directory`. The config is exactly what
    ``gotham-inbox policy-config --directory FILE --caller USER`` prints (one source of
    truth), optionally with ``overrides`` on top in the same policy-config format.
    """

    directory: Directory = field(repr=False)
    caller: User
    raw_config: Mapping[str, Any] = field(repr=False)
    """The policy-pack config, as a ``--policy-pack-config`` file would hold it."""
    config: PackConfig = field(repr=False)
    stack: str | None = None

    @classmethod
    def for_directory(
        cls,
        directory: DirectorySource = None,
        caller: str = "release-bot",
        *,
        overrides: Mapping[str, Any] | None = None,
        stack: str | None = None,
    ) -> PolicyChecker:
        """A checker for ``caller`` (a user of ``directory``; default: the example's
        ``release-bot``). ``overrides`` maps policy names to a level or to properties,
        merged over the generated config (e.g. ``{"inbox-content": "disabled"}``)."""
        loaded = as_directory(directory)
        user = loaded.user(caller)
        raw = _merged(policy_config_from_directory(loaded, user), overrides or {})
        return cls(loaded, user, raw, resolve_pack_config(raw), stack)

    def check_batch(self, messages: Sequence[Any], name: str = "batch") -> PolicyVerdict:
        """The verdict on one ``InboxMessageBatch`` sending ``messages``."""
        return self.check_resources(
            [_resource(INBOX_MESSAGE_BATCH_TYPE, name, {"messages": list(messages)})]
        )

    def check_message(self, message: Any, name: str = "message") -> PolicyVerdict:
        """The verdict on one ``InboxMessage`` sending ``message``."""
        return self.check_resources([_resource(INBOX_MESSAGE_TYPE, name, {"message": message})])

    def check_resources(self, resources: Iterable[InboxResource]) -> PolicyVerdict:
        """The verdict on a whole stack's inbox resources (stack-wide rules included)."""
        context = StackContext(stack=self.stack, config={"gotham:realm": self.caller.realm})
        return PolicyVerdict(tuple(evaluate(resources, self.config, context)))


def _resource(resource_type: str, name: str, inputs: Mapping[str, Any]) -> InboxResource:
    urn = f"urn:pulumi:test::proof::{resource_type}::{name}"
    resource = inbox_resource(resource_type, urn, name, inputs)
    assert resource is not None  # both types are inbox types
    return resource


def _merged(generated: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(generated)
    for name, entry in overrides.items():
        current = merged.get(name)
        if isinstance(current, Mapping) and isinstance(entry, Mapping):
            merged[name] = {**current, **entry}
        elif isinstance(current, Mapping) and isinstance(entry, str):
            merged[name] = {**current, "enforcementLevel": entry}
        else:
            merged[name] = entry
    return merged

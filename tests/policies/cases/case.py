"""What a rule case is: resources, a policy config and a stack; what must and must not be
reported; and how a report is held against it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gotham_inbox.policy import EnforcementLevel, InboxResource, StackContext, resolve_pack_config
from gotham_inbox.policy.pack_config import ResolvedPolicy


@dataclass(frozen=True)
class Expect:
    """A violation a case must produce: policy, property path, a part of the message, level."""

    policy: str
    field: str
    says: str
    level: EnforcementLevel = EnforcementLevel.MANDATORY


def advice(policy: str, field: str, says: str) -> Expect:
    """An advisory violation a case must produce."""
    return Expect(policy, field, says, EnforcementLevel.ADVISORY)


@dataclass(frozen=True)
class Case:
    """Resources, a policy config and a stack; what must and must not be reported.

    ``expect`` lists every violation of each policy it mentions (counts must match);
    ``clean`` lists policies that must report nothing.
    """

    id: str
    resources: Sequence[InboxResource]
    expect: Sequence[Expect] = ()
    clean: Sequence[str] = ()
    config: Mapping[str, Any] | None = None
    stack: str = "dev"
    stack_config: Mapping[str, str] = field(default_factory=dict)

    @property
    def context(self) -> StackContext:
        return StackContext(stack=self.stack, config=dict(self.stack_config))

    def settings(self) -> dict[str, ResolvedPolicy]:
        return resolve_pack_config(self.config)


@dataclass(frozen=True, order=True)
class Reported:
    """A violation as both sides can report it: comparable across the CLI and the analyzer."""

    policy: str
    level: str
    urn: str
    text: str


def assert_expectations(case: Case, found: Iterable[Reported]) -> None:
    """Every expected violation found, with the right counts, and clean policies silent."""
    found = list(found)
    for policy in case.clean:
        assert [item for item in found if item.policy == policy] == [], policy
    for policy in {expect.policy for expect in case.expect}:
        wanted = [expect for expect in case.expect if expect.policy == policy]
        got = [item for item in found if item.policy == policy]
        assert len(got) == len(wanted), (policy, got)
        for expect in wanted:
            prefix = f"{expect.field}: " if expect.field else ""
            assert any(
                item.text.startswith(prefix)
                and expect.says in item.text
                and item.level == expect.level.value
                for item in got
            ), (expect, got)

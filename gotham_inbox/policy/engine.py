"""Evaluating the pack's policies on a set of inbox resources, without any Pulumi process.

``gotham-inbox check`` calls :func:`evaluate`; the pack's wrappers call :func:`run_resource_rule`
and :func:`run_stack_rule` for one policy at a time. Both run :class:`ResourceRules`, so they
report the same violations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gotham_inbox.policy.inbox_resource import INBOX_TYPES, InboxResource, StackContext
from gotham_inbox.policy.pack_config import ResolvedPolicy, resolve_pack_config
from gotham_inbox.policy.properties import PolicyProperties
from gotham_inbox.policy.registry import POLICIES
from gotham_inbox.policy.spec import PolicySpec
from gotham_inbox.policy.violation import EnforcementLevel, Finding, Violation


class ResourceRules:
    """The resource and message rules of some policies, run on one resource at a time.

    Resource by resource and message by message, every policy in turn: a message rule costs one
    call per message. A loop per policy over each resource's messages adds a few calls per
    policy and resource, which weighs most on resources of a single message (benchmark 1 at
    batch 1: 3.5x the pydantic floor that way, 2.8x this way). The pack runs one policy per
    call (:func:`run_resource_rule`), ``check`` all of them (:func:`evaluate`): the same loop.
    """

    def __init__(self, policies: Sequence[tuple[PolicySpec[Any], PolicyProperties]]) -> None:
        self._resource_rules = [
            (spec, spec.check_resource, config)
            for spec, config in policies
            if spec.check_resource is not None
        ]
        self._message_rules = [
            (spec, spec.check_message, config)
            for spec, config in policies
            if spec.check_message is not None
        ]

    def run(
        self, resource: InboxResource, context: StackContext
    ) -> list[tuple[PolicySpec[Any], Finding]]:
        """What each policy finds on ``resource``: on the whole of it, then on each message."""
        if resource.type not in INBOX_TYPES:
            return []
        found: list[tuple[PolicySpec[Any], Finding]] = []
        for spec, check_resource, config in self._resource_rules:
            findings = check_resource(resource, config, context)
            if findings:  # most are clean: nothing built for nothing
                found.extend((spec, finding) for finding in findings)
        message_rules = self._message_rules
        if message_rules:
            for ref in resource.message_refs():
                for spec, check_message, config in message_rules:
                    findings = check_message(resource, ref, config, context)
                    if findings:
                        found.extend((spec, finding) for finding in findings)
        return found


def run_resource_rule(
    spec: PolicySpec[Any], resource: InboxResource, config: PolicyProperties, context: StackContext
) -> list[Finding]:
    """What one policy finds on one resource: on the whole of it, then on each message."""
    return [finding for _, finding in ResourceRules([(spec, config)]).run(resource, context)]


def run_stack_rule(
    spec: PolicySpec[Any],
    resources: Sequence[InboxResource],
    config: PolicyProperties,
    context: StackContext,
) -> list[Finding]:
    """What one policy finds across the stack's inbox resources."""
    if spec.check_stack is None:
        return []
    inbox = [resource for resource in resources if resource.type in INBOX_TYPES]
    return spec.check_stack(inbox, config, context)


def evaluate(
    resources: Iterable[InboxResource],
    config: Mapping[str, ResolvedPolicy] | None = None,
    context: StackContext | None = None,
) -> list[Violation]:
    """Every violation of the pack's enabled policies, sorted by resource, field and policy.

    ``config`` comes from :func:`resolve_pack_config` (default: every policy at its own level
    with default properties); ``context`` gives the stack name and config. The context's
    ``policies`` is set here from ``config`` (the enabled policies' configs), as the pack sets
    it from the engine's ``Configure``.
    """
    settings = resolve_pack_config(None) if config is None else config
    inbox = [resource for resource in resources if resource.type in INBOX_TYPES]
    enabled = [
        (spec, settings[spec.name])
        for spec in POLICIES
        if settings[spec.name].level is not EnforcementLevel.DISABLED
    ]
    context = replace(
        StackContext() if context is None else context,
        policies={spec.name: policy.config for spec, policy in enabled},
    )
    rules = ResourceRules([(spec, policy.config) for spec, policy in enabled])
    levels = {spec.name: policy.level for spec, policy in enabled}
    violations: list[Violation] = []
    for resource in inbox:
        for spec, finding in rules.run(resource, context):
            violations.append(Violation.of(spec.name, levels[spec.name], finding))
    for spec, policy in enabled:
        findings = run_stack_rule(spec, inbox, policy.config, context)
        violations.extend(Violation.of(spec.name, policy.level, finding) for finding in findings)
    order = {resource.urn: position for position, resource in enumerate(inbox)}
    return sorted(
        violations,
        key=lambda v: (order.get(v.urn, len(order)), v.message_index or 0, v.field, v.policy),
    )

"""Evaluating the pack's policies on a set of inbox resources, without any Pulumi process.

``gotham-inbox check`` calls :func:`evaluate`; the pack's wrappers call :func:`run_resource_rule`
and :func:`run_stack_rule` for one policy at a time. Both go through the same rule functions, so
they report the same violations.
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


def run_resource_rule(
    spec: PolicySpec[Any], resource: InboxResource, config: PolicyProperties, context: StackContext
) -> list[Finding]:
    """What one policy finds on one resource: on the whole of it, then on each message."""
    if resource.type not in INBOX_TYPES:
        return []
    findings = []
    if spec.check_resource is not None:
        findings += spec.check_resource(resource, config, context)
    if spec.check_message is not None:
        for ref in resource.message_refs():
            findings += spec.check_message(resource, ref, config, context)
    return findings


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
    violations: list[Violation] = []
    for resource in inbox:
        for spec, policy in enabled:
            findings = run_resource_rule(spec, resource, policy.config, context)
            if findings:  # most are clean: no generator built for nothing
                violations.extend(
                    Violation.of(spec.name, policy.level, finding) for finding in findings
                )
    for spec, policy in enabled:
        findings = run_stack_rule(spec, inbox, policy.config, context)
        violations.extend(Violation.of(spec.name, policy.level, finding) for finding in findings)
    order = {resource.urn: position for position, resource in enumerate(inbox)}
    return sorted(
        violations,
        key=lambda v: (order.get(v.urn, len(order)), v.message_index or 0, v.field, v.policy),
    )

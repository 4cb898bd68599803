"""Evaluating the pack's policies on a set of inbox resources, without any Pulumi process.

``gotham-inbox check`` calls :func:`evaluate`; the pack's wrappers call :func:`run_resource_rule`
and :func:`run_stack_rule` for one policy at a time. Both go through the same rule functions, so
they report the same violations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.pack_config import PolicySettings, resolve_pack_config
from gotham_inbox.policy.registry import POLICIES, PolicySpec
from gotham_inbox.policy.resources import INBOX_TYPES, InboxResource, StackContext
from gotham_inbox.policy.settings import PolicyConfig
from gotham_inbox.policy.violation import Finding, Violation


def run_resource_rule(
    spec: PolicySpec[Any], resource: InboxResource, config: PolicyConfig, context: StackContext
) -> list[Finding]:
    """What one policy finds on one resource (nothing for a policy without resource rules)."""
    if spec.check_resource is None or resource.type not in INBOX_TYPES:
        return []
    return spec.check_resource(resource, config, context)


def run_stack_rule(
    spec: PolicySpec[Any],
    resources: Sequence[InboxResource],
    config: PolicyConfig,
    context: StackContext,
) -> list[Finding]:
    """What one policy finds across the stack's inbox resources."""
    if spec.check_stack is None:
        return []
    inbox = [resource for resource in resources if resource.type in INBOX_TYPES]
    return spec.check_stack(inbox, config, context)


def evaluate(
    resources: Iterable[InboxResource],
    config: Mapping[str, PolicySettings] | None = None,
    context: StackContext | None = None,
) -> list[Violation]:
    """Every violation of the pack's enabled policies, sorted by resource, field and policy.

    ``config`` comes from :func:`resolve_pack_config` (default: every policy at its own level
    with default properties); ``context`` gives the stack name and config.
    """
    settings = resolve_pack_config(None) if config is None else config
    context = StackContext() if context is None else context
    inbox = [resource for resource in resources if resource.type in INBOX_TYPES]
    violations: list[Violation] = []
    for spec in POLICIES:
        policy = settings[spec.name]
        if policy.level is EnforcementLevel.DISABLED:
            continue
        findings = [
            finding
            for resource in inbox
            for finding in run_resource_rule(spec, resource, policy.config, context)
        ]
        findings.extend(run_stack_rule(spec, inbox, policy.config, context))
        violations.extend(Violation.of(spec.name, policy.level, finding) for finding in findings)
    order = {resource.urn: position for position, resource in enumerate(inbox)}
    return sorted(
        violations,
        key=lambda v: (order.get(v.urn, len(order)), v.message_index or 0, v.field, v.policy),
    )

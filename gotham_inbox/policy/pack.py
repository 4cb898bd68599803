"""The pulumi_policy side of the pack: thin wrappers around the shared rule functions.

``policies/__main__.py`` builds ``PolicyPack(name="gotham-inbox", policies=build_policies())``.
Each wrapper turns the engine's arguments into an :class:`InboxResource` and a
:class:`StackContext`, runs the policy's rule through :mod:`.engine` and reports each finding
as ``"<property path>: <what is wrong and how to fix it>"``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pulumi.runtime
from pulumi_policy import (
    EnforcementLevel as PulumiEnforcementLevel,
)
from pulumi_policy import (
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import serialize_properties

from gotham_inbox.policy.engine import run_resource_rule, run_stack_rule
from gotham_inbox.policy.registry import POLICIES, PolicySpec
from gotham_inbox.policy.resources import (
    CALLER_REALM_KEY,
    InboxResource,
    StackContext,
    inbox_resource,
)
from gotham_inbox.policy.violation import Finding


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    # pulumi_policy hands over proxies that raise on unknown values; serialize_properties
    # unwraps them into plain JSON and keeps unknowns as the engine's sentinel strings, which
    # the rules skip.
    plain: dict[str, Any] = dict(serialize_properties(props))
    return plain


def stack_context() -> StackContext:
    """The stack as the engine describes it to the pack: its name and its config.

    The Pulumi CLI starts a policy pack with ``PULUMI_STACK`` and the stack's config, secrets
    decrypted, as JSON in ``PULUMI_CONFIG``. Secret keys are not marked there, so only the keys
    the rules read are kept.
    """
    config = pulumi.runtime.get_config_env()
    kept = {key: value for key, value in config.items() if key == CALLER_REALM_KEY}
    return StackContext(stack=os.environ.get("PULUMI_STACK") or None, config=kept)


def _resource(args: ResourceValidationArgs) -> InboxResource | None:
    return inbox_resource(args.resource_type, args.urn, args.name, _plain(args.props))


def _report(findings: list[Finding], report_violation: ReportViolation, stack: bool) -> None:
    for finding in findings:
        # A stack policy names the resource; the engine attaches a resource policy's report to
        # the resource it analyzed.
        report_violation(finding.text, finding.urn if stack else None)


def _validate_resource(spec: PolicySpec[Any]) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        config = spec.parse_config(args.get_config())
        resource = _resource(args)
        if resource is not None:
            findings = run_resource_rule(spec, resource, config, stack_context())
            _report(findings, report_violation, stack=False)

    return validate


def _validate_stack(spec: PolicySpec[Any]) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = spec.parse_config(args.get_config())
        resources = [
            found
            for item in args.resources
            if (
                found := inbox_resource(item.resource_type, item.urn, item.name, _plain(item.props))
            )
            is not None
        ]
        findings = run_stack_rule(spec, resources, config, stack_context())
        _report(findings, report_violation, stack=True)

    return validate


class ResourceAndStackValidationPolicy(ResourceValidationPolicy, StackValidationPolicy):
    """One policy with a per-resource rule (Analyze) and a stack rule (AnalyzeStack).

    pulumi_policy runs a policy in Analyze when it is a ``ResourceValidationPolicy`` and in
    AnalyzeStack when it is a ``StackValidationPolicy``; being both keeps one name, one level
    and one config for both halves of a rule such as ``inbox-batch-atomicity``.
    """

    def __init__(
        self,
        name: str,
        description: str,
        validate_resource: Any,
        validate_stack: Any,
        enforcement_level: PulumiEnforcementLevel,
        config_schema: PolicyConfigSchema,
    ) -> None:
        Policy.__init__(self, name, description, enforcement_level, config_schema)
        self._validate_resource = validate_resource
        self._validate_stack = validate_stack

    def validate(self, args: Any, report_violation: ReportViolation) -> None:
        if isinstance(args, StackValidationArgs):
            self._validate_stack(args, report_violation)
        else:
            self._validate_resource(args, report_violation)

    def has_validation(self) -> bool:
        return True

    def has_remediation(self) -> bool:
        return False


def _schema(spec: PolicySpec[Any]) -> PolicyConfigSchema:
    schema = spec.schema()
    return PolicyConfigSchema(properties=schema["properties"], required=schema.get("required"))


def build_policy(spec: PolicySpec[Any]) -> Policy:
    """The pulumi_policy policy for one spec."""
    level = PulumiEnforcementLevel(spec.default_level.value)
    if spec.checks_resources and spec.check_stack is not None:
        return ResourceAndStackValidationPolicy(
            spec.name,
            spec.description,
            _validate_resource(spec),
            _validate_stack(spec),
            level,
            _schema(spec),
        )
    if spec.check_stack is not None:
        return StackValidationPolicy(
            spec.name,
            spec.description,
            validate=_validate_stack(spec),
            enforcement_level=level,
            config_schema=_schema(spec),
        )
    return ResourceValidationPolicy(
        spec.name,
        spec.description,
        validate=_validate_resource(spec),
        enforcement_level=level,
        config_schema=_schema(spec),
    )


def build_policies() -> list[Policy]:
    """Every policy of the pack, in the registry's order."""
    return [build_policy(spec) for spec in POLICIES]

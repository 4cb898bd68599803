"""The pulumi_policy side of the pack: thin wrappers around the shared rule functions.

``policies/__main__.py`` calls :func:`serve_pack` (or builds
``PolicyPack(name="gotham-inbox", policies=build_policies(), **pack_metadata())`` itself).
Each wrapper turns the engine's arguments into an :class:`InboxResource` and a
:class:`StackContext` (what ``ConfigureStack`` said, see :mod:`.engine_state`), runs the
policy's rule through :mod:`.engine` and reports each finding as
``"<property path>: <what is wrong and how to fix it>"``. A resource that is not an inbox
message is reported to the engine as not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel as PulumiEnforcementLevel,
)
from pulumi_policy import (
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy import Severity as PulumiSeverity
from pulumi_policy.deserialize import serialize_properties

from gotham_inbox.policy import engine_state
from gotham_inbox.policy.engine import run_resource_rule, run_stack_rule
from gotham_inbox.policy.inbox_resource import (
    INBOX_TYPES,
    InboxResource,
    StackContext,
    inbox_resource,
)
from gotham_inbox.policy.registry import POLICIES
from gotham_inbox.policy.spec import (
    PACK_DESCRIPTION,
    PACK_DISPLAY_NAME,
    PACK_NAME,
    PACK_REPOSITORY,
    PACK_TAGS,
    PolicySpec,
)
from gotham_inbox.policy.violation import Finding


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    # pulumi_policy hands over proxies that raise on unknown values; serialize_properties
    # unwraps them into plain JSON and keeps unknowns as the engine's sentinel strings, which
    # the rules skip.
    plain: dict[str, Any] = dict(serialize_properties(props))
    return plain


def stack_context() -> StackContext:
    """The stack as the engine described it to the pack (``ConfigureStack``), secrets left out;
    the environment only when no ``ConfigureStack`` came (see :mod:`.engine_state`)."""
    return engine_state.STATE.context()


def _resource(args: ResourceValidationArgs) -> InboxResource | None:
    return inbox_resource(args.resource_type, args.urn, args.name, _plain(args.props))


def _report(findings: list[Finding], report_violation: ReportViolation, stack: bool) -> None:
    for finding in findings:
        # A stack policy names the resource; the engine attaches a resource policy's report to
        # the resource it analyzed.
        report_violation(finding.text, finding.urn if stack else None)


def _validate_resource(spec: PolicySpec[Any]) -> Any:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in INBOX_TYPES:
            args.not_applicable("not a Gotham Global Inbox message (InboxMessage or batch)")
        config = spec.parse_properties(args.get_config())
        resource = _resource(args)
        if resource is not None:
            findings = run_resource_rule(spec, resource, config, stack_context())
            _report(findings, report_violation, stack=False)

    return validate


def _validate_stack(spec: PolicySpec[Any]) -> Any:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = spec.parse_properties(args.get_config())
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
        **metadata: Any,
    ) -> None:
        Policy.__init__(self, name, description, enforcement_level, config_schema, **metadata)
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


def policy_metadata(spec: PolicySpec[Any]) -> dict[str, Any]:
    """What CrossGuard shows of a policy besides its description (pulumi_policy >= 1.18)."""
    return {
        "display_name": spec.display_name or None,
        "severity": PulumiSeverity(spec.severity.value),
        "tags": list(spec.tags),
        "remediation_steps": spec.remediation_steps or None,
        "url": spec.url,
    }


def build_policy(spec: PolicySpec[Any]) -> Policy:
    """The pulumi_policy policy for one spec."""
    settings: dict[str, Any] = {
        "enforcement_level": PulumiEnforcementLevel(spec.default_level.value),
        "config_schema": _schema(spec),
        **policy_metadata(spec),
    }
    if spec.checks_resources and spec.check_stack is not None:
        return ResourceAndStackValidationPolicy(
            spec.name,
            spec.description,
            _validate_resource(spec),
            _validate_stack(spec),
            **settings,
        )
    if spec.check_stack is not None:
        return StackValidationPolicy(
            spec.name, spec.description, validate=_validate_stack(spec), **settings
        )
    return ResourceValidationPolicy(
        spec.name, spec.description, validate=_validate_resource(spec), **settings
    )


def build_policies() -> list[Policy]:
    """Every policy of the pack, in the registry's order.

    Also makes the pack's ``PolicyPack`` serve with the servicer that keeps the stack context
    (:func:`.engine_state.install`): without it the rules would never learn the stack.
    """
    engine_state.install()
    return [build_policy(spec) for spec in POLICIES]


def pack_readme() -> str:
    """The pack's README text: its policies, each with what it checks and how to fix it."""
    lines = [f"# {PACK_DISPLAY_NAME} (`{PACK_NAME}`)", "", PACK_DESCRIPTION, ""]
    for spec in POLICIES:
        lines += [
            f"## {spec.display_name} (`{spec.name}`, {spec.default_level.value}, "
            f"severity {spec.severity.value})",
            "",
            spec.description,
            "",
            f"Remediation: {spec.remediation_steps}",
            "",
            f"Documentation: {spec.url}",
            "",
        ]
    return "\n".join(lines)


def pack_metadata() -> dict[str, Any]:
    """``PolicyPack`` arguments besides name and policies: description, display name, readme,
    repository and tags."""
    return {
        "description": PACK_DESCRIPTION,
        "display_name": PACK_DISPLAY_NAME,
        "readme": pack_readme(),
        "repository": PACK_REPOSITORY,
        "tags": list(PACK_TAGS),
    }


def serve_pack() -> None:
    """Start the pack's analyzer (what ``policies/__main__.py`` runs); serves until killed."""
    PolicyPack(name=PACK_NAME, policies=build_policies(), **pack_metadata())

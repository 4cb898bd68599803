"""The ``gotham-inbox check`` report: readable text, JSON, or SARIF 2.1.0 for CI annotations.

The JSON report is versioned (:data:`JSON_REPORT_VERSION`, its ``"version"`` field) and
documented in ``docs/policy-pack.md``: a field is only ever added within a version; renaming,
removing or changing the meaning of one makes a new version.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.policy.inbox_resource import InboxResource
from gotham_inbox.policy.registry import POLICIES, POLICIES_BY_NAME
from gotham_inbox.policy.spec import PACK_NAME, PACK_REPOSITORY, Severity
from gotham_inbox.policy.violation import EnforcementLevel, Violation
from gotham_inbox.unknowns import is_unknown, unknown_paths

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
JSON_REPORT_VERSION = 1
"""The version of the ``--format json`` document (its ``"version"`` field)."""

SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.LOW: "3.0",
    Severity.MEDIUM: "5.5",
    Severity.HIGH: "8.0",
    Severity.CRITICAL: "9.5",
}
"""SARIF ``security-severity`` (GitHub code scanning's 0-10 scale: low < 4, medium < 7,
high < 9, critical >= 9) of each policy severity."""


@dataclass(frozen=True)
class CheckReport:
    """Everything a check found, and what it checked."""

    project: str
    stack: str
    directory: Path
    program: Path
    policy_config: Path | None
    resources: Sequence[InboxResource]
    resource_count: int
    violations: Sequence[Violation]

    @property
    def mandatory(self) -> int:
        """How many violations stop a deployment."""
        return sum(1 for violation in self.violations if violation.is_mandatory)

    @property
    def advisory(self) -> int:
        """How many violations are advice only (exempted ones not counted)."""
        return len(self.violations) - self.mandatory - self.exempted

    @property
    def exempted(self) -> int:
        """How many violations a policy exception exempts (they stop nothing)."""
        return sum(1 for violation in self.violations if violation.is_exempted)

    @property
    def message_count(self) -> int:
        """How many messages the inbox resources would send."""
        return sum(len(resource.message_refs()) for resource in self.resources)


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _location(report: CheckReport, violation: Violation) -> tuple[str, int | None]:
    for resource in report.resources:
        if resource.urn == violation.urn and resource.source is not None:
            return _display_path(report.directory / resource.source.path), resource.source.line
    return _display_path(report.program), None


@dataclass(frozen=True)
class JudgedAtUp:
    """A message with values that are unknown until ``pulumi up`` (an output, an undeclared
    invoke or stack reference): the policies skip those fields now, as the pack does during
    a real preview, and judge them when the deployment runs."""

    resource: InboxResource
    message_index: int | None
    fields: tuple[str, ...]
    """Paths inside the message (``title.value``); ``""`` when the whole message is unknown."""

    def to_json(self) -> dict[str, Any]:
        """The entry of the JSON report's ``judgedAtUp`` list."""
        return {
            "urn": self.resource.urn,
            "resource": self.resource.name,
            "messageIndex": self.message_index,
            "fields": list(self.fields),
        }


def judged_at_up(report: CheckReport) -> list[JudgedAtUp]:
    """The messages of ``report`` with unknown parts, in the order of the resources."""
    found = []
    for resource in report.resources:
        value = resource.inputs.get(resource.input_name)
        if not resource.is_batch or is_unknown(value) or not isinstance(value, list):
            paths = unknown_paths(value)
            if paths:
                found.append(JudgedAtUp(resource, None, tuple(paths)))
            continue
        for index, item in enumerate(value):
            paths = unknown_paths(item)
            if paths:
                found.append(JudgedAtUp(resource, index, tuple(paths)))
    return found


def _judged_label(entry: JudgedAtUp) -> str:
    index = "" if entry.message_index is None else f" message {entry.message_index}"
    fields = ", ".join(field or "the whole message" for field in entry.fields)
    return f"{entry.resource.name}{index}: {fields}"


def _judged_text(report: CheckReport) -> list[str]:
    judged = judged_at_up(report)
    if not judged:
        return []
    lines = [
        "",
        f"{len(judged)} message(s) judged at `pulumi up` (values unknown until then, as in "
        "`pulumi preview`; declare them in gotham-inbox-mocks.yaml to judge them now):",
    ]
    for entry in judged:
        where = ""
        if entry.resource.source is not None:
            path = _display_path(report.directory / entry.resource.source.path)
            where = f"  (at {path}:{entry.resource.source.line})"
        lines.append(f"  {_judged_label(entry)}{where}")
    return lines


def _judged_notifications(report: CheckReport) -> list[dict[str, Any]]:
    notes = []
    for entry in judged_at_up(report):
        note: dict[str, Any] = {
            "level": "note",
            "message": {"text": f"judged at `pulumi up` (unknown now): {_judged_label(entry)}"},
            "properties": entry.to_json(),
        }
        if entry.resource.source is not None:
            path = _display_path(report.directory / entry.resource.source.path)
            note["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": Path(path).as_posix()},
                        "region": {"startLine": entry.resource.source.line},
                    }
                }
            ]
        notes.append(note)
    return notes


def _exempted_tag(violation: Violation) -> str:
    # As the Pulumi CLI tags an exempted violation: "[exempted: EXC-1] ...".
    if not violation.exemptions:
        return ""
    return f"[exempted: {', '.join(exemption.id for exemption in violation.exemptions)}] "


def _exemption_lines(violation: Violation) -> list[str]:
    return [
        f"  exempted by {exemption.id}: {exemption.reason}" for exemption in violation.exemptions
    ]


def _exempted_summary(report: CheckReport) -> str:
    return f", {report.exempted} exempted" if report.exempted else ""


def render_text(report: CheckReport) -> str:
    """A report for people: what was checked, each violation, a summary line."""
    config = _display_path(report.policy_config) if report.policy_config else "defaults"
    lines = [
        f"gotham-inbox check: project {report.project}, stack {report.stack}, policy config "
        f"{config}",
        f"{len(report.resources)} inbox resource(s), {report.message_count} message(s), "
        f"{report.resource_count} resource(s) in total",
    ]
    for violation in report.violations:
        path, line = _location(report, violation)
        where = f"{path}:{line}" if line else path
        lines.append("")
        severity = POLICIES_BY_NAME[violation.policy].severity.value
        lines.append(
            f"{_exempted_tag(violation)}[{violation.level.value}, severity {severity}] "
            f"{violation.policy}  {violation.resource_name}"
        )
        lines.append(f"  at {where}  ({violation.urn})")
        lines.append(f"  {violation.text}")
        lines.extend(_exemption_lines(violation))
    lines += _judged_text(report)
    lines.append("")
    if not report.violations:
        lines.append("no violations")
    else:
        lines.append(
            f"{report.mandatory} mandatory, {report.advisory} advisory violation(s)"
            f"{_exempted_summary(report)}"
        )
    judged = len(judged_at_up(report))
    if judged:
        lines[-1] += f"; {judged} message(s) judged at `pulumi up`"
    return "\n".join(lines) + "\n"


def _source_json(report: CheckReport, violation: Violation) -> dict[str, Any]:
    path, line = _location(report, violation)
    return {"path": Path(path).as_posix(), "line": line}


def render_json(report: CheckReport) -> str:
    """A report for scripts."""
    document = {
        "version": JSON_REPORT_VERSION,
        "project": report.project,
        "stack": report.stack,
        "policyConfig": str(report.policy_config) if report.policy_config else None,
        "resources": len(report.resources),
        "messages": report.message_count,
        "violations": [
            {
                **violation.to_json(),
                "severity": POLICIES_BY_NAME[violation.policy].severity.value,
                "source": _source_json(report, violation),
            }
            for violation in report.violations
        ],
        "judgedAtUp": [entry.to_json() for entry in judged_at_up(report)],
        "summary": {
            "mandatory": report.mandatory,
            "advisory": report.advisory,
            "exempted": report.exempted,
            "judgedAtUp": len(judged_at_up(report)),
        },
        "executionSuccessful": True,
    }
    return json.dumps(document, indent=2) + "\n"


def _sarif_result(report: CheckReport, violation: Violation) -> dict[str, Any]:
    path, line = _location(report, violation)
    physical: dict[str, Any] = {"artifactLocation": {"uri": Path(path).as_posix()}}
    if line:
        physical["region"] = {"startLine": line}
    return {
        "ruleId": violation.policy,
        "ruleIndex": list(POLICIES_BY_NAME).index(violation.policy),
        "level": "error" if violation.level is EnforcementLevel.MANDATORY else "warning",
        "message": {"text": f"{violation.resource_name}: {violation.text}"},
        "locations": [
            {
                "physicalLocation": physical,
                "logicalLocations": [
                    {"name": violation.resource_name, "fullyQualifiedName": violation.urn}
                ],
            }
        ],
        "properties": {
            "field": violation.field,
            "messageIndex": violation.message_index,
            "enforcementLevel": violation.level.value,
        },
        **_sarif_suppressions(violation),
    }


def _sarif_suppressions(violation: Violation) -> dict[str, Any]:
    """SARIF ``suppressions`` of an exempted result: one per exception, ``kind: external``
    (the exception lives in the policy config, not in the program's source)."""
    if not violation.exemptions:
        return {}
    return {
        "suppressions": [
            {
                "kind": "external",
                "status": "accepted",
                "justification": exemption.reason,
                "properties": {"exceptionId": exemption.id},
            }
            for exemption in violation.exemptions
        ]
    }


def _sarif_rules() -> list[dict[str, Any]]:
    return [
        {
            "id": spec.name,
            "name": spec.name,
            "shortDescription": {"text": spec.display_name},
            "fullDescription": {"text": spec.description},
            "help": {
                "text": spec.remediation_steps,
                "markdown": f"{spec.remediation_steps}\n\n[Documentation]({spec.url})",
            },
            "helpUri": spec.url,
            "defaultConfiguration": {
                "level": "error"
                if spec.default_level.reported is EnforcementLevel.MANDATORY
                else "warning"
            },
            "properties": {
                "security-severity": SECURITY_SEVERITY[spec.severity],
                "severity": spec.severity.value,
                "tags": list(spec.tags),
                "displayName": spec.display_name,
            },
        }
        for spec in POLICIES
    ]


def _sarif_driver() -> dict[str, Any]:
    return {"name": PACK_NAME, "informationUri": PACK_REPOSITORY, "rules": _sarif_rules()}


def render_sarif(report: CheckReport) -> str:
    """A SARIF 2.1.0 log, one rule per policy, one result per violation; messages judged at
    ``pulumi up`` are notes of the invocation."""
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _sarif_driver()},
                "results": [_sarif_result(report, violation) for violation in report.violations],
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": _judged_notifications(report),
                    }
                ],
                "properties": {"judgedAtUp": [entry.to_json() for entry in judged_at_up(report)]},
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


@dataclass(frozen=True)
class CheckFailure:
    """Why a check could not judge the stack (exit 2): the project, the policy config or the
    program is broken. The JSON and SARIF reports are still written, so a CI step that uploads
    them whatever happened finds a valid document that says what failed."""

    message: str
    project: str | None = None
    stack: str | None = None
    path: Path | None = None
    """The file at fault (the program's own file when it failed there)."""
    line: int | None = None
    exit_code: int = 2
    """The exit status the document reports (2; 70 for a bug in gotham-inbox)."""


def render_failure_json(failure: CheckFailure) -> str:
    """The ``--format json`` document of a check that could not judge the stack."""
    document: dict[str, Any] = {
        "version": JSON_REPORT_VERSION,
        "project": failure.project,
        "stack": failure.stack,
        "executionSuccessful": False,
        "error": {
            "message": failure.message,
            "source": {
                "path": Path(_display_path(failure.path)).as_posix() if failure.path else None,
                "line": failure.line,
            },
        },
        "violations": [],
        "judgedAtUp": [],
    }
    return json.dumps(document, indent=2) + "\n"


def render_failure_sarif(failure: CheckFailure) -> str:
    """The ``--format sarif`` log of a check that could not judge the stack: no results, and
    an invocation that did not succeed, with the reason as an error notification."""
    notification: dict[str, Any] = {"level": "error", "message": {"text": failure.message}}
    if failure.path is not None:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": Path(_display_path(failure.path)).as_posix()}
        }
        if failure.line:
            physical["region"] = {"startLine": failure.line}
        notification["locations"] = [{"physicalLocation": physical}]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": _sarif_driver()},
                "results": [],
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "exitCode": failure.exit_code,
                        "toolExecutionNotifications": [notification],
                    }
                ],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


FAILURE_RENDERERS = {"json": render_failure_json, "sarif": render_failure_sarif}
"""The formats that write a document even when the check fails (text says it on stderr)."""

RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
FORMATS = tuple(RENDERERS)
"""The report formats (``--format``), one per renderer."""

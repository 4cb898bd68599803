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

from gotham_inbox.policy.registry import POLICIES, POLICIES_BY_NAME
from gotham_inbox.policy.resources import InboxResource
from gotham_inbox.policy.spec import PACK_NAME, PACK_REPOSITORY, Severity
from gotham_inbox.policy.violation import EnforcementLevel, Violation

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
    lines.append("")
    if not report.violations:
        lines.append("no violations")
    else:
        lines.append(
            f"{report.mandatory} mandatory, {report.advisory} advisory violation(s)"
            f"{_exempted_summary(report)}"
        )
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
        "summary": {
            "mandatory": report.mandatory,
            "advisory": report.advisory,
            "exempted": report.exempted,
        },
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


def render_sarif(report: CheckReport) -> str:
    """A SARIF 2.1.0 log, one rule per policy, one result per violation."""
    rules = [
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
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": PACK_NAME,
                        "informationUri": PACK_REPOSITORY,
                        "rules": rules,
                    }
                },
                "results": [_sarif_result(report, violation) for violation in report.violations],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
FORMATS = tuple(RENDERERS)
"""The report formats (``--format``), one per renderer."""

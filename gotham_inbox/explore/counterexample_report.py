"""The ``check --explore`` report: what was explored, and the counterexample as ``check`` shows it.

The finding itself is rendered by ``check``'s own renderers (text, JSON, SARIF) on the
counterexample's run; JSON and SARIF get an ``explore`` object beside it (in SARIF, in the
run's property bag) with the budget, the seed, the counterexample's config and its commands.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.check.project import StackProject, config_text
from gotham_inbox.check.report import RENDERERS, CheckReport
from gotham_inbox.explore.commands import config_set_commands
from gotham_inbox.explore.search import Example, ExploreResult, Outcome


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


@dataclass(frozen=True)
class ExploreReport:
    """A result and what is needed to show it."""

    project: StackProject
    policy_config: Path | None
    result: ExploreResult

    @property
    def shown(self) -> tuple[Example, Outcome] | None:
        """The example whose findings are shown: the counterexample, else the current config."""
        return self.result.counterexample or self.result.baseline

    def check_report(self) -> CheckReport:
        """``check``'s report of the shown example's run (empty when the program failed)."""
        outcome = self.shown[1] if self.shown is not None else None
        return CheckReport(
            project=self.project.project,
            stack=self.project.stack,
            directory=self.project.directory,
            program=self.project.program,
            policy_config=self.policy_config,
            resources=outcome.run.resources if outcome else [],
            resource_count=outcome.run.resource_count if outcome else 0,
            violations=outcome.violations if outcome else [],
        )

    def commands(self) -> list[str]:
        """The ``pulumi config`` commands that reproduce the counterexample."""
        if self.result.counterexample is None:
            return []
        example, _ = self.result.counterexample
        return config_set_commands(self.project, self.result.keys, example.config)


def _explored_names(report: ExploreReport) -> str:
    result = report.result
    names = [key.short for key in result.keys]
    outputs = [
        f"{token}.{name}"
        for section in (result.schemas.outputs, result.schemas.calls, result.schemas.stacks)
        for token, properties in section.items()
        for name in properties
    ]
    text = ", ".join(names) if names else "no config keys"
    if outputs:
        text += "; outputs " + ", ".join(outputs)
    return text


def _output_lines(example: Example) -> list[str]:
    lines = []
    for section, label in (
        ("resources", "output"),
        ("calls", "call result"),
        ("stacks", "stack output"),
    ):
        for token, properties in (example.outputs or {}).get(section, {}).items():
            for name, value in properties.items():
                lines.append(f"  {label} {token}.{name} = {json.dumps(value, ensure_ascii=False)}")
    return lines


def render_text(report: ExploreReport) -> str:
    """The report for people."""
    result = report.result
    config = _display_path(report.policy_config) if report.policy_config else "defaults"
    schema = _display_path(result.schemas.path) if result.schemas.path else "declared types only"
    stopped = ", stopped by --max-seconds" if result.out_of_time else ""
    lines = [
        f"gotham-inbox check --explore: project {report.project.project}, stack "
        f"{report.project.stack}, policy config {config}",
        f"explored {_explored_names(report)} (domains: {schema})",
        f"{result.examples} example(s) in {result.seconds:.1f} s ({result.rate:.0f} examples/s), "
        f"seed {result.budget.seed}{stopped}",
    ]
    if result.counterexample is None:
        lines.append("")
        lines.append("no mandatory violation and no program failure in any explored example")
        if result.advisory_policies:
            lines.append(
                f"advisory violations in {result.advisory_examples} example(s): "
                f"{', '.join(sorted(result.advisory_policies))}"
            )
        return "\n".join(lines) + "\n"
    example, outcome = result.counterexample
    what = "the program fails" if outcome.run.error else "a mandatory policy refuses the deploy"
    how = "shrunk" if example.origin == "generated" else "as it is, not shrunk"
    if example.origin == "generated" and result.out_of_time:
        how = "shrinking cut short by --max-seconds: maybe not minimal"
    lines += ["", f"{what} for this config (example {result.found_at}; {example.origin}, {how}):"]
    commands = report.commands()
    if commands:
        lines.append("")
        lines += [f"  {command}" for command in commands]
    else:
        lines.append(f"  (the stack's current config: Pulumi.{report.project.stack}.yaml as it is)")
    outputs = _output_lines(example)
    if outputs:
        lines += ["", "with these outputs from the mocks (no config sets them):", *outputs]
    lines.append("")
    if outcome.run.error is not None:
        lines.append(f"gotham-inbox check would say: {outcome.run.error}")
        return "\n".join(lines) + "\n"
    return "\n".join(lines) + "\n" + RENDERERS["text"](report.check_report())


def explore_json(report: ExploreReport) -> dict[str, Any]:
    """The ``explore`` object of the JSON and SARIF reports."""
    result = report.result
    document: dict[str, Any] = {
        "keys": [key.short for key in result.keys],
        "schemaFile": str(result.schemas.path) if result.schemas.path else None,
        "examples": result.examples,
        "seconds": round(result.seconds, 3),
        "examplesPerSecond": round(result.rate, 1),
        "seed": result.budget.seed,
        "maxExamples": result.budget.max_examples,
        "maxSeconds": result.budget.max_seconds,
        "outOfTime": result.out_of_time,
        "advisoryPolicies": sorted(result.advisory_policies),
        "counterexample": None,
    }
    if result.counterexample is not None:
        example, outcome = result.counterexample
        document["counterexample"] = {
            "origin": example.origin,
            "foundAt": result.found_at,
            "config": {
                key.short: config_text(example.config[key.key])
                for key in result.keys
                if key.key in example.config
            },
            "outputs": example.outputs,
            "commands": report.commands(),
            "programError": outcome.run.error,
        }
    return document


def _with_explore(render: Callable[[CheckReport], str], sarif: bool) -> Callable[..., str]:
    def rendered(report: ExploreReport) -> str:
        explore = explore_json(report)
        document: dict[str, Any] = json.loads(render(report.check_report()))
        error = report.shown[1].run.error if report.shown is not None else None
        if sarif:
            for run in document.get("runs", []):
                run.setdefault("properties", {})["explore"] = explore
                if error is not None:
                    run["invocations"] = [
                        {
                            "executionSuccessful": False,
                            "toolExecutionNotifications": [{"message": {"text": error}}],
                        }
                    ]
        else:
            document["explore"] = explore
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    return rendered


EXPLORE_RENDERERS: dict[str, Callable[[ExploreReport], str]] = {
    "text": render_text,
    "json": _with_explore(RENDERERS["json"], sarif=False),
    "sarif": _with_explore(RENDERERS["sarif"], sarif=True),
}

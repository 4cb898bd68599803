"""What the policy config lacks or exempts, and a misspelt provider key, under the real CLI.

Each case runs ``pulumi preview --policy-pack`` and ``gotham-inbox check`` on the same copy of
the example project and asserts the same verdict both ways:

- no policy config: the rules that need the directory say what they could not judge (the
  preview fails instead of showing a pass), and ``missingDirectory: ignore`` says "no directory"
  on purpose;
- a version-2 policy config whose exception exempts a mandatory violation: the engine passes
  the preview with the violation exempted, and check exits 0 with the same exception;
- ``gotham:hostnme``: the provider's check fails the preview, as check refuses the stack.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.e2e_support import (
    POLICY_CONFIG,
    POLICY_PACK,
    STACK,
    PolicyFinding,
    PulumiProject,
    Run,
    check_exemptions,
    check_policy_findings,
    preview_exemptions,
    preview_policy_findings,
)

pytestmark = pytest.mark.e2e

UNREACHABLE = "http://127.0.0.1:9"  # a preview sends nothing
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
PROJECT = "gotham-inbox-example"
RESTRICTED_URN = f"urn:pulumi:{STACK}::{PROJECT}::{MESSAGE_TYPE}::restricted"
REASON = "The CISO approved this one SECRET notice (TICKET-42)"

PROGRAM = textwrap.dedent(
    """\
    from gotham_inbox.providers import InboxMessage

    InboxMessage(
        "restricted",
        message={
            "groupRecipients": RECIPIENTS,
            "sender": {"displayName": "Release Bot"},
            "title": {"value": "Restricted notice"},
            "security": {"portionMarkings": ["MARKING"]},
        },
    )
    """
)
UNJUDGED_RECIPIENTS = [{"name": "partner-ops"}, {"name": "no-such-group"}]
"""A group in another realm without its realm, and a group that does not exist."""
KNOWN_RECIPIENTS = [{"name": "platform-team"}]
DIRECTORY_POLICIES = ("inbox-realm-requirements", "inbox-markings", "inbox-recipients-can-read")


def project_with(
    where: Path,
    marking: str,
    policy_config: dict[str, Any] | None,
    recipients: list[dict[str, str]] = UNJUDGED_RECIPIENTS,
) -> PulumiProject:
    """The example project with :data:`PROGRAM` (``marking`` on its message, sent to
    ``recipients``) and a policy config (``None``: none at all, as a stack without
    policy-config.<stack>.json)."""
    project = PulumiProject.copy_example(where)
    program = PROGRAM.replace("MARKING", marking).replace("RECIPIENTS", json.dumps(recipients))
    project.program().write_text(program, "utf-8")
    config_file = project.root / POLICY_CONFIG
    if policy_config is None:
        config_file.unlink()
    else:
        config_file.write_text(json.dumps(policy_config, indent=2), "utf-8")
    project.init_dev_stack(UNREACHABLE)
    return project


@dataclass(frozen=True)
class Verdicts:
    preview: Run
    preview_findings: list[PolicyFinding]
    check_code: int
    check_findings: list[PolicyFinding]
    preview_exempted: dict[tuple[str, str], list[tuple[str, str]]]
    check_exempted: dict[tuple[str, str], list[tuple[str, str]]]


def both_ways(project: PulumiProject, with_config: bool) -> Verdicts:
    pack = ["--policy-pack", str(POLICY_PACK)]
    if with_config:
        pack += ["--policy-pack-config", POLICY_CONFIG]
    preview, from_cli = preview_policy_findings(project, "--stack", STACK, *pack)
    check, from_check = check_policy_findings(project, "--stack", STACK)
    exempted = check_exemptions(check) if check.returncode in (0, 1) else {}
    return Verdicts(
        preview, from_cli, check.returncode, from_check, preview_exemptions(preview), exempted
    )


@dataclass
class Recorded:
    no_config: Verdicts
    no_directory: Verdicts
    exempted: Verdicts
    not_exempted: Verdicts
    misspelt_preview: Run
    misspelt_check_code: int
    misspelt_check_error: str


def version_2(policies: dict[str, Any], target: str) -> dict[str, Any]:
    match = [{"policies": ["inbox-markings"], "targets": [target]}]
    return {
        "version": 2,
        "policies": policies,
        "exceptions": {"EXC-1": {"reason": REASON, "match": match}},
    }


def run_all(where: Path, example_config: dict[str, Any]) -> Recorded:
    no_config = both_ways(project_with(where / "none", "RESTRICTED", None), with_config=False)
    ignore = {name: {"missingDirectory": "ignore"} for name in DIRECTORY_POLICIES}
    no_directory = both_ways(project_with(where / "ignore", "RESTRICTED", ignore), with_config=True)
    exempted = both_ways(
        project_with(
            where / "v2", "SECRET", version_2(example_config, RESTRICTED_URN), KNOWN_RECIPIENTS
        ),
        with_config=True,
    )
    not_exempted = both_ways(
        project_with(
            where / "v2-other",
            "SECRET",
            version_2(example_config, RESTRICTED_URN + "x"),
            KNOWN_RECIPIENTS,
        ),
        with_config=True,
    )
    misspelt = project_with(where / "misspelt", "UNCLASSIFIED", example_config, KNOWN_RECIPIENTS)
    misspelt.run("config", "rm", "--stack", STACK, "gotham:hostname").ok()
    misspelt.run("config", "set", "--stack", STACK, "gotham:hostnme", UNREACHABLE).ok()
    misspelt_preview = misspelt.run("preview", "--stack", STACK)
    misspelt_check, _ = check_policy_findings(misspelt, "--stack", STACK)
    return Recorded(
        no_config,
        no_directory,
        exempted,
        not_exempted,
        misspelt_preview,
        misspelt_check.returncode,
        misspelt_check.stderr,
    )


@pytest.fixture(scope="module")
def recorded(pulumi_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    repo = Path(__file__).resolve().parents[2]
    example_config = json.loads((repo / POLICY_CONFIG).read_text("utf-8"))
    yield run_all(tmp_path_factory.mktemp("e2e-policy-config"), example_config)


def test_without_a_policy_config_neither_way_passes_what_it_could_not_judge(
    recorded: Recorded,
) -> None:
    both = recorded.no_config
    assert both.preview.returncode != 0, both.preview.describe()
    assert both.check_code == 1
    assert both.preview_findings == both.check_findings
    assert {(finding.policy, finding.level) for finding in both.check_findings} == {
        ("inbox-realm-requirements", "mandatory"),
        ("inbox-markings", "mandatory"),
        ("inbox-recipients-can-read", "advisory"),
    }
    assert all(
        "gotham-inbox policy-config --directory FILE --caller USER" in finding.text
        for finding in both.check_findings
    )


def test_no_directory_said_in_the_config_passes_both_ways(recorded: Recorded) -> None:
    both = recorded.no_directory
    assert both.preview.returncode == 0, both.preview.describe()
    assert both.check_code == 0
    assert both.preview_findings == both.check_findings
    assert not any(finding.policy in DIRECTORY_POLICIES for finding in both.check_findings)


def test_a_version_2_exception_exempts_the_same_violation_both_ways(recorded: Recorded) -> None:
    both = recorded.exempted
    assert both.preview.returncode == 0, both.preview.describe()
    assert both.check_code == 0
    assert both.preview_findings == both.check_findings
    expected = {("inbox-markings", RESTRICTED_URN): [("EXC-1", REASON)]}
    assert both.preview_exempted == expected
    assert both.check_exempted == expected


def test_an_exception_for_another_urn_exempts_nothing_both_ways(recorded: Recorded) -> None:
    both = recorded.not_exempted
    assert both.preview.returncode != 0, both.preview.describe()
    assert both.check_code == 1
    assert both.preview_exempted == {} == both.check_exempted
    assert [finding.policy for finding in both.check_findings] == ["inbox-markings"]


def test_a_misspelt_provider_key_fails_the_preview_as_it_fails_check(recorded: Recorded) -> None:
    preview = recorded.misspelt_preview
    assert preview.returncode != 0, preview.describe()
    assert "stack config gotham:hostnme is not a gotham-inbox setting" in preview.output
    assert "did you mean 'gotham:hostname'?" in preview.output
    assert recorded.misspelt_check_code == 2
    assert "did you mean 'gotham:hostname'?" in recorded.misspelt_check_error

"""``gotham-inbox check`` on real programs (using ``gotham_inbox.providers``) under mocks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.check.report import JSON_REPORT_VERSION
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.policy import POLICIES, POLICIES_BY_NAME
from tests.policies.builders import POLICY_NAMES, example_config, without_directory
from tests.policies.check_support import check, line_in, write_project

PROGRAM_HEADER = """\
import pulumi
from gotham_inbox.providers import InboxMessage, InboxMessageBatch


def message(title, *groups, markings=("UNCLASSIFIED",), **extra):
    return {
        "groupRecipients": [
            {"name": group} if isinstance(group, str) else {"name": group[0], "realm": group[1]}
            for group in groups
        ],
        "sender": {"displayName": "release-bot"},
        "title": {"value": title},
        "security": {"portionMarkings": list(markings)},
        **extra,
    }


"""

CLEAN_PROGRAM = PROGRAM_HEADER + textwrap.dedent(
    """\
    InboxMessage("release", message("release 4.2 is live", "platform-team"))
    InboxMessageBatch(
        "partners",
        [
            message("partner notice", ("partner-ops", "partner-realm")),
            message("on-call notice", "sre-oncall", markings=("SENSITIVE",)),
        ],
    )
    """
)

SHARED_ID = "0b1e9c1c-8d55-4c55-9f1e-7a2f4b3f7d10"

VIOLATING_PROGRAM = PROGRAM_HEADER + textwrap.dedent(
    f"""\
    InboxMessage("partner-alert", message("partner notice", "partner-ops"))
    InboxMessage("first", message("one", "platform-team", sourceId="{SHARED_ID}"))
    InboxMessage("second", message("two", "sre-oncall", sourceId="{SHARED_ID}"))
    InboxMessage("secret", message("secret plans", "platform-team", markings=("SECRET",)))
    InboxMessage("everyone", message("all hands", "Everyone"))
    """
)


def test_clean_program_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "app", CLEAN_PROGRAM, policy_config=example_config())
    assert check(project) == 0
    out = capsys.readouterr().out
    assert "stack dev, policy config" in out and "policy-config.dev.json" in out
    assert "2 inbox resource(s), 3 message(s)" in out
    assert out.rstrip().endswith("no violations")


def test_violations_are_reported_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", VIOLATING_PROGRAM, policy_config=example_config())
    assert check(project, "--format", "json") == 1
    report = json.loads(capsys.readouterr().out)
    found = {(v["policy"], v["resource"], v["field"], v["level"]) for v in report["violations"]}
    assert found == {
        (
            "inbox-realm-requirements",
            "partner-alert",
            "message.groupRecipients[0].realm",
            "mandatory",
        ),
        ("inbox-batch-atomicity", "first", "message.sourceId", "mandatory"),
        ("inbox-batch-atomicity", "second", "message.sourceId", "mandatory"),
        ("inbox-markings", "secret", "message.security.portionMarkings[0]", "mandatory"),
        ("inbox-content", "everyone", "message.groupRecipients[0].name", "advisory"),
    }
    assert report["summary"] == {"mandatory": 4, "advisory": 1, "exempted": 0, "judgedAtUp": 0}
    assert report["version"] == JSON_REPORT_VERSION == 1
    assert report["stack"] == "dev"
    severities = {v["policy"]: v["severity"] for v in report["violations"]}
    assert severities == {
        spec.name: spec.severity.value for spec in POLICIES if spec.name in severities
    }
    realm = next(v for v in report["violations"] if v["policy"] == "inbox-realm-requirements")
    assert "set realm: 'partner-realm'" in realm["message"]
    assert realm["urn"].endswith("gotham:InboxMessage::partner-alert")


def test_text_report_says_where_and_how_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", VIOLATING_PROGRAM, policy_config=example_config())
    assert check(project) == 1
    out = capsys.readouterr().out
    line = line_in(VIOLATING_PROGRAM, '"partner-alert"')
    assert "[mandatory, severity high] inbox-realm-requirements  partner-alert\n  at " in out
    assert f"__main__.py:{line}" in out
    assert "message.groupRecipients[0].realm: group 'partner-ops' lives in realm" in out
    assert out.rstrip().endswith("4 mandatory, 1 advisory violation(s)")
    # Each finding's heading gives its level and its policy's severity, as JSON and SARIF do.
    headings = re.findall(r"^\[(\w+), severity (\w+)\] (inbox-[a-z-]+)  ", out, re.M)
    assert len(headings) == 5
    for level, severity, policy in headings:
        assert severity == POLICIES_BY_NAME[policy].severity.value, policy
        assert level in {"mandatory", "advisory"}


def test_advisory_findings_do_not_fail_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAM_HEADER + 'InboxMessage("all", message("all hands", "Everyone"))\n'
    project = write_project(tmp_path / "app", program, policy_config=example_config())
    assert check(project) == 0
    assert "0 mandatory, 1 advisory violation(s)" in capsys.readouterr().out


def test_a_recipient_who_cannot_read_a_message_is_advice_that_does_not_fail_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The server delivers a message a recipient group cannot read, so it must not stop a deploy.
    program = PROGRAM_HEADER + (
        'InboxMessage("partners", message("notice", ("partner-ops", "partner-realm"), '
        'markings=("SENSITIVE",)))\n'
    )
    project = write_project(tmp_path / "app", program, policy_config=example_config())
    assert check(project, "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [(v["policy"], v["level"], v["field"]) for v in report["violations"]] == [
        ("inbox-recipients-can-read", "advisory", "message.groupRecipients[0]")
    ]
    assert "'partner-ops' cannot read this message" in report["violations"][0]["message"]
    assert report["summary"] == {"mandatory": 0, "advisory": 1, "exempted": 0, "judgedAtUp": 0}


SEVERITY_BANDS = {
    "low": (0.1, 4.0),
    "medium": (4.0, 7.0),
    "high": (7.0, 9.0),
    "critical": (9.0, 10.01),
}


def test_sarif_points_at_the_declaring_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", VIOLATING_PROGRAM, policy_config=example_config())
    assert check(project, "--format", "sarif") == 1
    log = json.loads(capsys.readouterr().out)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert rule_ids == list(POLICY_NAMES)
    results = run["results"]
    assert len(results) == 5
    for result in results:
        assert result["ruleId"] in rule_ids
        assert result["level"] in ("error", "warning")
        assert result["message"]["text"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    for rule in run["tool"]["driver"]["rules"]:
        spec = POLICIES_BY_NAME[rule["id"]]
        # What GitHub code scanning shows: a help text, a link, and a 0-10 security severity
        # that puts the rule in the band of its severity.
        assert rule["help"]["text"] == spec.remediation_steps
        assert rule["helpUri"] == spec.url
        assert rule["shortDescription"]["text"] == spec.display_name
        score = float(rule["properties"]["security-severity"])
        low, high = SEVERITY_BANDS[spec.severity.value]
        assert low <= score < high, (spec.name, score)
        assert "security" in rule["properties"]["tags"] or spec.name in (
            "inbox-message-valid",
            "inbox-batch-atomicity",
        )
    secret = next(r for r in results if r["ruleId"] == "inbox-markings")
    assert secret["level"] == "error"
    location = secret["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("app/__main__.py")
    assert location["physicalLocation"]["region"]["startLine"] == line_in(
        VIOLATING_PROGRAM, '"secret"'
    )
    assert location["logicalLocations"][0]["name"] == "secret"
    everyone = next(r for r in results if r["ruleId"] == "inbox-content")
    assert everyone["level"] == "warning"


def test_broken_program_exits_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAM_HEADER + 'raise RuntimeError("cannot read teams.yaml")\n'
    project = write_project(tmp_path / "app", program)
    assert check(project) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "the program" in captured.err and "failed" in captured.err
    assert "RuntimeError: cannot read teams.yaml" in captured.err


def test_program_with_syntax_error_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", "InboxMessage(\n")
    assert check(project) == 2
    assert "SyntaxError" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ('{"inbox-content": "strict"}', "enforcement level 'strict' is not one of"),
        ('{"inbox-realm": {}}', "did you mean 'inbox-realm-requirements'"),
        ("{not json", "is not valid JSON"),
    ],
)
def test_broken_policy_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, says: str
) -> None:
    project = write_project(tmp_path / "app", CLEAN_PROGRAM)
    (project / "policy-config.json").write_text(content)
    assert check(project) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert "policy-config.json" in captured.err


def test_explicit_policy_config_wins_and_missing_one_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", VIOLATING_PROGRAM, policy_config=example_config())
    lenient = tmp_path / "lenient.json"
    lenient.write_text(json.dumps({"all": "advisory"}))
    assert check(project, "--policy-config", lenient) == 0
    assert "lenient.json" in capsys.readouterr().out
    assert check(project, "--policy-config", tmp_path / "nope.json") == 2
    assert "nope.json does not exist" in capsys.readouterr().err


def test_broken_project_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert check(tmp_path) == 2
    assert "no Pulumi.yaml" in capsys.readouterr().err
    project = write_project(tmp_path / "app", CLEAN_PROGRAM)
    (project / "Pulumi.yaml").write_text("name: x\nruntime: nodejs\n")
    assert check(project) == 2
    assert "runs Python programs only" in capsys.readouterr().err


def test_stack_choice_and_its_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = PROGRAM_HEADER + 'InboxMessage("partner", message("notice", "partner-ops"))\n'
    config = {
        "inbox-realm-requirements": {
            "groups": example_config()["inbox-realm-requirements"]["groups"]
        }
    }
    project = write_project(
        tmp_path / "app",
        program,
        stacks={"staging": {}, "partner": {"gotham:realm": "partner-realm"}},
        policy_config=without_directory(config),
        policy_config_name="policy-config.json",
    )
    # Several stacks and none called dev: the user must choose.
    assert check(project) == 2
    assert "choose one with --stack" in capsys.readouterr().err
    # The caller's realm comes from the chosen stack's gotham:realm.
    assert check(project, "--stack", "partner") == 0
    assert check(project, "--stack", "staging") == 1
    assert "not in the caller's realm 'palantir-internal-realm'" in capsys.readouterr().out
    assert check(project, "--stack", "prod") == 2
    assert "no Pulumi.prod.yaml" in capsys.readouterr().err


def test_secure_config_is_passed_through_without_decrypting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAM_HEADER + textwrap.dedent(
        """\
        token = pulumi.Config("gotham").require_secret("token")
        InboxMessage("release", message("release", "platform-team"))
        pulumi.export("token_is_secret", pulumi.Output.is_secret(token))
        """
    )
    secure = {"gotham:token": {"secure": "v1:c2VjcmV0LW5vdC1kZWNyeXB0ZWQ="}}
    project = write_project(
        tmp_path / "app", program, stacks={"dev": secure}, policy_config=without_directory()
    )
    assert check(project) == 0
    assert "v1:c2VjcmV0" not in capsys.readouterr().out


def test_check_sends_nothing(tmp_path: Path, gotham_emulator: RunningEmulator) -> None:
    stack = {
        "gotham:hostname": gotham_emulator.base_url,
        "gotham:token": gotham_emulator.token_for("release-bot"),
    }
    project = write_project(
        tmp_path / "app", CLEAN_PROGRAM, stacks={"dev": stack}, policy_config=example_config()
    )
    assert check(project) == 0
    assert gotham_emulator.messages() == []


def test_console_script_exit_code(tmp_path: Path) -> None:
    project = write_project(tmp_path / "app", VIOLATING_PROGRAM, policy_config=example_config())
    script = Path(sys.executable).parent / "gotham-inbox"
    completed = subprocess.run(
        [script, "check", "--format", "json"], cwd=project, capture_output=True, text=True
    )
    assert completed.returncode == 1
    assert json.loads(completed.stdout)["summary"]["mandatory"] == 4


UNJUDGED_PROGRAM = PROGRAM_HEADER + textwrap.dedent(
    """\
    InboxMessage(
        "restricted",
        message("restricted", "partner-ops", "no-such-group", markings=("RESTRICTED",)),
    )
    """
)


def test_a_stack_without_a_policy_config_is_not_reported_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No policy-config.<stack>.json: the rules that need the directory had nothing to judge
    # against, and say so at their own levels, with the command that writes the config.
    project = write_project(tmp_path / "app", UNJUDGED_PROGRAM)
    assert check(project, "--format", "json") == 1
    report = json.loads(capsys.readouterr().out)
    found = {(item["policy"], item["level"]) for item in report["violations"]}
    assert found == {
        ("inbox-realm-requirements", "mandatory"),
        ("inbox-markings", "mandatory"),
        ("inbox-recipients-can-read", "advisory"),
    }
    assert all(
        "gotham-inbox policy-config --directory FILE --caller USER" in item["message"]
        for item in report["violations"]
    )
    assert check(project) == 1
    text = capsys.readouterr().out
    assert "policy config defaults" in text
    assert "the policy config gives no groups, so 2 recipient(s) of 1 message(s)" in text
    assert "no violations" not in text


def test_no_directory_said_explicitly_in_the_config_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", UNJUDGED_PROGRAM, policy_config=without_directory())
    assert check(project) == 0
    assert "no violations" in capsys.readouterr().out


SECRET_PROGRAM = PROGRAM_HEADER + textwrap.dedent(
    """\
    InboxMessage("secret", message("secret plans", "platform-team", markings=("SECRET",)))
    """
)
SECRET_URN = "urn:pulumi:dev::inbox-fixture::pulumi-python:dynamic/gotham:InboxMessage::secret"
REASON = "The CISO approved this one SECRET notice (TICKET-42)"


def exempting(policy: str = "inbox-markings", target: str = SECRET_URN) -> dict[str, Any]:
    """A version-2 policy config: the example's policies and one exception, EXC-1."""
    return {
        "version": 2,
        "policies": example_config(),
        "exceptions": {
            "EXC-1": {"reason": REASON, "match": [{"policies": [policy], "targets": [target]}]}
        },
    }


def test_a_version_2_exception_exempts_the_violation_in_every_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", SECRET_PROGRAM, policy_config=exempting())
    assert check(project) == 0
    text = capsys.readouterr().out
    assert "[exempted: EXC-1] [mandatory, severity critical] inbox-markings  secret" in text
    assert f"  exempted by EXC-1: {REASON}" in text
    assert "0 mandatory, 0 advisory violation(s), 1 exempted" in text

    assert check(project, "--format", "json") == 0
    report = json.loads(capsys.readouterr().out)
    (violation,) = report["violations"]
    assert violation["policy"] == "inbox-markings"
    assert violation["level"] == "mandatory"
    assert violation["exceptions"] == [{"id": "EXC-1", "reason": REASON}]
    assert report["summary"] == {"mandatory": 0, "advisory": 0, "exempted": 1, "judgedAtUp": 0}

    assert check(project, "--format", "sarif") == 0
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["level"] == "error"
    assert result["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": REASON,
            "properties": {"exceptionId": "EXC-1"},
        }
    ]


def test_an_exception_for_another_resource_or_policy_exempts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for config in (exempting(target=SECRET_URN + "-other"), exempting(policy="inbox-content")):
        project = write_project(tmp_path / "app", SECRET_PROGRAM, policy_config=config)
        assert check(project, "--format", "sarif") == 1
        (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
        assert "suppressions" not in result


def test_a_misspelt_gotham_key_in_the_stack_config_is_refused_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(
        tmp_path / "app",
        CLEAN_PROGRAM,
        stacks={"dev": {"gotham:hostnme": "gotham.example.com", "app:hostnme": "theirs"}},
        policy_config=example_config(),
    )
    assert check(project) == 2
    error = capsys.readouterr().err
    assert (
        "Pulumi.dev.yaml: stack config gotham:hostnme is not a gotham-inbox setting, so the "
        "provider would ignore it; did you mean 'gotham:hostname'?"
    ) in error
    assert "app:hostnme" not in error  # another namespace is the program's own business


@pytest.mark.parametrize("key", ["Gotham:hostname", "GOTHAM:token"])
def test_the_gotham_namespace_in_another_case_is_refused_with_a_suggestion(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Pulumi's config keys are case-sensitive: no gotham provider would ever see this key.
    project = write_project(
        tmp_path / "app",
        CLEAN_PROGRAM,
        stacks={"dev": {key: "value-of-it"}},
        policy_config=example_config(),
    )
    assert check(project) == 2
    error = capsys.readouterr().err
    namespace, _, name = key.partition(":")
    assert (
        f"Pulumi.dev.yaml: stack config {key} is in namespace '{namespace}', not 'gotham'"
    ) in error
    assert f"did you mean 'gotham:{name}'?" in error


def test_a_misspelt_gotham_key_declared_in_pulumi_yaml_names_pulumi_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "app", CLEAN_PROGRAM, policy_config=example_config())
    with (project / "Pulumi.yaml").open("a") as pulumi_yaml:
        pulumi_yaml.write("config:\n  gotham:sourceIDs:\n    value: send\n")
    assert check(project) == 2
    error = capsys.readouterr().err
    assert (
        "Pulumi.yaml: project config gotham:sourceIDs is not a gotham-inbox setting, so the "
        "provider would ignore it; did you mean 'gotham:sourceIds'? rename it in Pulumi.yaml's "
        "config: block"
    ) in error
    assert "Pulumi.dev.yaml: " not in error


PLUGIN_RESOURCE = '''

def Plugin(name, message):
    """The gotham plugin's resource, as a program of any language declares it."""
    return pulumi.CustomResource("gotham:index:InboxMessage", name, {"message": message})


'''


def test_the_plugins_types_are_judged_as_the_dynamic_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def findings(program: str, where: str) -> set[tuple[str, str, str, str]]:
        project = write_project(tmp_path / where, program, policy_config=example_config())
        assert check(project, "--format", "json") == 1
        report = json.loads(capsys.readouterr().out)
        return {(v["policy"], v["resource"], v["field"], v["level"]) for v in report["violations"]}

    through_plugin = VIOLATING_PROGRAM.replace("\n\n\n", PLUGIN_RESOURCE, 1).replace(
        "InboxMessage(", "Plugin("
    )
    assert "gotham:index:InboxMessage" in through_plugin
    assert findings(through_plugin, "plugin") == findings(VIOLATING_PROGRAM, "dynamic")

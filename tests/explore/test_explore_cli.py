"""``gotham-inbox check --explore`` on fixture stacks: finds, shrinks, reproduces, is bounded."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.explore.explore_support import (
    BODY_LIMIT,
    SEMVER,
    TOKEN_CIPHERTEXT,
    announcement_header,
    announcement_program,
    explore_json,
    run_check,
    write_fixture,
)

BREAKABLE_DOMAINS = {
    "config": {
        "version": {"pattern": SEMVER, "maxLength": 20},
        "changelog": {"maxLength": 600},
    }
}
"""A changelog may be long enough to push the body past BODY_LIMIT: only some values break."""


def test_finds_and_shrinks_a_changelog_past_the_body_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app", explore=BREAKABLE_DOMAINS)
    assert run_check(capsys, fixture.root)[0] == 0  # today's config passes plain check

    code, out, _ = run_check(capsys, fixture.root, "--explore", "--seed", "3")

    assert code == 1
    header = announcement_header("1.0.0")
    minimal = "0" * (BODY_LIMIT + 1 - len(header.encode()))
    # Shrunk to the shortest changelog that breaks; version kept at the stack's value.
    assert f"  pulumi config set --stack dev changelog {minimal}\n" in out
    assert "config set --stack dev version" not in out
    assert "a mandatory policy refuses the deploy for this config" in out
    # The finding as check prints it.
    assert "[mandatory, severity medium] inbox-content  release-message" in out
    assert f"more than maxBodyBytes {BODY_LIMIT}" in out
    assert out.rstrip().endswith("1 mandatory, 0 advisory violation(s)")


def _apply_commands_by_hand(stack_file: Path, commands: list[str]) -> None:
    """What ``pulumi config set KEY VALUE`` writes (the e2e test runs the real CLI)."""
    import shlex

    import yaml

    settings = yaml.safe_load(stack_file.read_text())
    for command in commands:
        words = shlex.split(command)
        assert words[:5] == ["pulumi", "config", "set", "--stack", "dev"], command
        key, value = words[5:]
        settings["config"][f"explore-fixture:{key}"] = value
    stack_file.write_text(yaml.safe_dump(settings))


def test_the_counterexample_reproduces_with_plain_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app", explore=BREAKABLE_DOMAINS)
    code, report = explore_json(capsys, fixture, "--seed", "5")
    assert code == 1
    counterexample = report["explore"]["counterexample"]
    explored = {(v["policy"], v["resource"], v["field"]) for v in report["violations"]}

    _apply_commands_by_hand(fixture.stack_file, counterexample["commands"])
    code, out, _ = run_check(capsys, fixture.root, "--format", "json")

    assert code == 1
    checked = json.loads(out)
    assert {(v["policy"], v["resource"], v["field"]) for v in checked["violations"]} == explored
    assert ("inbox-content", "release-message", "message.body.value") in explored


def test_a_stack_safe_for_its_whole_domain_passes_within_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    safe = {
        "config": {"version": {"pattern": SEMVER, "maxLength": 20}, "changelog": {"maxLength": 30}}
    }
    fixture = write_fixture(tmp_path / "app", explore=safe)
    code, report = explore_json(capsys, fixture, "--seed", "1", "--max-examples", "40")
    assert code == 0
    explore = report["explore"]
    assert explore["counterexample"] is None
    assert explore["keys"] == ["version", "changelog"]  # the secret apiToken is not explored
    assert 10 < explore["examples"] <= 40 + 2  # generated plus the current and default values
    assert report["violations"] == []


def test_the_same_seed_gives_the_same_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = []
    for run in ("first", "second"):
        fixture = write_fixture(tmp_path / run, explore=BREAKABLE_DOMAINS)
        # A budget no loaded machine reaches: the result must not depend on the clock.
        code, report = explore_json(capsys, fixture, "--seed", "3", "--max-seconds", "900")
        explore = report["explore"]
        found = [{k: v for k, v in item.items() if k != "source"} for item in report["violations"]]
        results.append((code, explore["examples"], explore["counterexample"], found))
    assert results[0] == results[1]
    assert results[0][0] == 1


def test_a_counterexample_found_once_is_tried_first_next_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app", explore=BREAKABLE_DOMAINS)
    code, first = explore_json(capsys, fixture, "--seed", "7")
    assert code == 1
    assert first["explore"]["counterexample"]["foundAt"] > 3
    database = fixture.root / ".gotham-inbox"
    assert (database / ".gitignore").read_text().splitlines()[-1] == "*"

    code, second = explore_json(capsys, fixture, "--seed", "8")

    assert code == 1
    # Examples 1 and 2 are the current config and the declared defaults; 3 is the saved one.
    assert second["explore"]["counterexample"]["foundAt"] == 3
    assert (
        second["explore"]["counterexample"]["config"]
        == (first["explore"]["counterexample"]["config"])
    )


def test_the_current_config_is_tried_first_and_reported_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(
        tmp_path / "app",
        stack_config={
            "version": "1.0.0",
            "changelog": "x" * BODY_LIMIT,
            "apiToken": {"secure": TOKEN_CIPHERTEXT},
        },
    )
    code, out, _ = run_check(capsys, fixture.root, "--explore", "--seed", "1")
    assert code == 1
    assert "(example 1; current config, as it is, not shrunk)" in out
    assert "(the stack's current config: Pulumi.dev.yaml as it is)" in out


def test_declared_defaults_are_tried_second(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = {
        "version": {"type": "string"},
        "changelog": {"type": "string", "default": "y" * BODY_LIMIT},
    }
    fixture = write_fixture(
        tmp_path / "app",
        declared=declared,
        stack_config={"version": "1.0.0", "changelog": "short"},
    )
    code, report = explore_json(capsys, fixture, "--seed", "1")
    assert code == 1
    counterexample = report["explore"]["counterexample"]
    assert counterexample["origin"] == "declared defaults"
    assert counterexample["foundAt"] == 2
    assert counterexample["commands"] == [
        f"pulumi config set --stack dev changelog {'y' * BODY_LIMIT}"
    ]


def test_a_program_that_fails_for_some_value_exits_2_with_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No schema: "any string" includes the empty version, which ReleaseAnnouncement refuses.
    fixture = write_fixture(tmp_path / "app")
    code, out, _ = run_check(capsys, fixture.root, "--explore", "--seed", "2")
    assert code == 2  # as plain check exits for a program that fails
    assert "the program fails for this config" in out
    assert "  pulumi config set --stack dev version ''\n" in out
    assert "AnnouncementError: version: is empty" in out
    assert "gotham_inbox/explore/worker.py" not in out  # the program's frames only


def test_secret_values_are_never_generated_nor_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = ANNOUNCEMENT_WITH_TOKEN
    fixture = write_fixture(tmp_path / "app", program=program, explore=BREAKABLE_DOMAINS)
    for output_format in ("text", "json", "sarif"):
        code, out, err = run_check(
            capsys, fixture.root, "--explore", "--seed", "3", "--format", output_format
        )
        assert code == 1
        assert TOKEN_CIPHERTEXT not in out + err
        assert "apiToken" not in out


ANNOUNCEMENT_WITH_TOKEN = announcement_program(
    'token = config.require_secret("apiToken")  # read, never put in a message'
)


def test_a_secret_key_in_the_explore_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    explore = {"config": {"apiToken": {"maxLength": 10}}}
    fixture = write_fixture(tmp_path / "app", explore=explore)
    code, out, err = run_check(capsys, fixture.root, "--explore")
    assert (code, out) == (2, "")
    assert "gotham-inbox-explore.yaml: config.apiToken is a secret key" in err


@pytest.mark.parametrize(
    ("explore", "says"),
    [
        ({"config": {"release": {"type": "string"}}}, "config.release is not a key Pulumi.yaml"),
        ({"config": {"version": {"maxLength": "ten"}}}, "config.version is not a valid JSON"),
        ({"config": {"version": {"type": "integer"}}}, "config.version: no value satisfies"),
        ({"outputs": {"aws:s3/bucket:Bucket": []}}, "outputs.aws:s3/bucket:Bucket must map"),
        ({"settings": {}}, "unknown section 'settings'"),
        ({"config": {"version": {"pattern": "("}}}, "pattern '(' is not a valid regular"),
        ({"config": {"version": {"$ref": "#/nowhere"}}}, "$ref is not supported here"),
    ],
)
def test_a_broken_explore_file_is_an_error_naming_the_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], explore: dict[str, Any], says: str
) -> None:
    fixture = write_fixture(tmp_path / "app", explore=explore)
    code, out, err = run_check(capsys, fixture.root, "--explore")
    assert (code, out) == (2, "")
    assert "gotham-inbox-explore.yaml" in err and says in err


def test_explore_flags_without_explore_are_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app")
    code, out, err = run_check(capsys, fixture.root, "--seed", "1", "--max-examples", "5")
    assert (code, out) == (2, "")
    assert "--max-examples, --seed only go with --explore" in err


def test_the_missing_extra_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture = write_fixture(tmp_path / "app")
    monkeypatch.setitem(__import__("sys").modules, "hypothesis_jsonschema", None)
    code, out, err = run_check(capsys, fixture.root, "--explore")
    assert (code, out) == (2, "")
    assert "needs the 'explore' extra" in err
    assert "pip install 'gotham-inbox[explore]'" in err


def test_the_time_budget_stops_the_search(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Safe: 50 characters of ASCII (50 of U+1D54B are 200 bytes, past the body limit, which
    # the search finds within the budget).
    safe = {
        "config": {
            "version": {"pattern": SEMVER},
            "changelog": {"maxLength": 50, "pattern": "^[a-z ]*$"},
        }
    }
    fixture = write_fixture(tmp_path / "app", explore=safe)
    code, report = explore_json(
        capsys, fixture, "--seed", "1", "--max-examples", "100000", "--max-seconds", "10"
    )
    assert code == 0
    assert report["explore"]["outOfTime"] is True
    assert 1 <= report["explore"]["examples"] < 100000


def test_sarif_carries_the_finding_and_the_explore_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app", explore=BREAKABLE_DOMAINS)
    code, out, _ = run_check(capsys, fixture.root, "--explore", "--seed", "3", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    (run,) = log["runs"]
    assert [result["ruleId"] for result in run["results"]] == ["inbox-content"]
    assert run["properties"]["explore"]["counterexample"]["commands"][0].startswith(
        "pulumi config set --stack dev changelog "
    )


def test_other_keys_than_explored_ones_keep_the_stack_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # gotham:realm is not declared in Pulumi.yaml: never varied, so the realm rules see it.
    fixture = write_fixture(tmp_path / "app", explore=BREAKABLE_DOMAINS)
    shutil.copy(fixture.root / "Pulumi.dev.yaml", tmp_path / "before.yaml")
    code, report = explore_json(capsys, fixture, "--seed", "3")
    assert code == 1
    assert all(v["policy"] == "inbox-content" for v in report["violations"])
    # Exploring never writes the stack file.
    assert (fixture.root / "Pulumi.dev.yaml").read_bytes() == (
        tmp_path / "before.yaml"
    ).read_bytes()


TYPED_PROGRAM = textwrap.dedent(
    """\
    import pulumi
    from gotham_inbox.providers import InboxMessage

    config = pulumi.Config()
    groups = config.require_object("groups")
    replicas = config.require_int("replicas")
    urgent = config.require_bool("urgent")
    InboxMessage(
        "scale-notice",
        message={
            "groupRecipients": [{"name": group} for group in groups],
            "sender": {"displayName": "Release Bot"},
            "title": {"value": f"{'URGENT: ' if urgent else ''}scaled to {replicas} replicas"},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        },
    )
    """
)


def test_integer_boolean_and_array_keys_are_explored_by_their_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    declared = {
        "groups": {"type": "array", "items": {"type": "string"}},
        "replicas": {"type": "integer"},
        "urgent": {"type": "boolean"},
    }
    explore = {
        "config": {
            "groups": {
                "items": {"enum": ["platform-team", "sre-oncall", "partner-ops"]},
                "minItems": 1,
                "uniqueItems": True,
            },
            "replicas": {"minimum": 0, "maximum": 50},
        }
    }
    fixture = write_fixture(
        tmp_path / "app",
        TYPED_PROGRAM,
        declared=declared,
        stack_config={"groups": ["platform-team"], "replicas": "3", "urgent": "false"},
        explore=explore,
    )
    code, report = explore_json(capsys, fixture, "--seed", "2")
    assert code == 1
    counterexample = report["explore"]["counterexample"]
    # partner-ops lives in partner-realm: without a realm, inbox-realm-requirements refuses it.
    assert counterexample["config"]["groups"] == '["partner-ops"]'
    assert counterexample["commands"] == [
        'pulumi config set-all --stack dev --json \'{"explore-fixture:groups": {"value": '
        '"[\\"partner-ops\\"]", "objectValue": ["partner-ops"], "secret": false}}\''
    ]
    assert [v["policy"] for v in report["violations"]] == ["inbox-realm-requirements"]


def test_under_ci_the_seed_is_fixed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    safe = {"config": {"version": {"pattern": SEMVER}, "changelog": {"maxLength": 20}}}
    fixture = write_fixture(tmp_path / "app", explore=safe)
    monkeypatch.setenv("CI", "true")
    code, report = explore_json(capsys, fixture, "--max-examples", "5")
    assert (code, report["explore"]["seed"]) == (0, 0)
    monkeypatch.delenv("CI")
    seeds = {explore_json(capsys, fixture, "--max-examples", "5")[1]["explore"]["seed"]}
    seeds.add(explore_json(capsys, fixture, "--max-examples", "5")[1]["explore"]["seed"])
    assert len(seeds) == 2  # a new seed each run outside CI, printed to repeat it


def test_a_failing_program_in_sarif_is_an_unsuccessful_invocation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app")
    code, out, _ = run_check(capsys, fixture.root, "--explore", "--seed", "2", "--format", "sarif")
    assert code == 2
    (run,) = json.loads(out)["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert "version: is empty" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert run["properties"]["explore"]["counterexample"]["commands"] == [
        "pulumi config set --stack dev version ''"
    ]


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (("--max-examples", "0"), "--max-examples must be at least 1"),
        (("--max-seconds", "0"), "--max-seconds must be more than 0"),
    ],
)
def test_an_unusable_budget_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, str], says: str
) -> None:
    fixture = write_fixture(tmp_path / "app")
    code, out, err = run_check(capsys, fixture.root, "--explore", *flags)
    assert (code, out) == (2, "")
    assert says in err

"""``gotham-inbox policy-config``: the pack's config generated from an emulator directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from gotham_inbox.cli import main
from gotham_inbox.directory import LimitsEntry, example_directory_path
from gotham_inbox.policy import resolve_pack_config
from gotham_inbox.policy.batch_atomicity import BatchAtomicityProperties
from gotham_inbox.policy.markings import MarkingsProperties
from gotham_inbox.policy.message_valid import MessageValidProperties
from gotham_inbox.policy.realm_requirements import RealmRequirementsProperties
from gotham_inbox.policy.recipients_can_read import RecipientsCanReadProperties


def generate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["policy-config", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_config_for_a_caller_comes_from_the_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = generate(
        capsys, "--directory", str(example_directory_path()), "--caller", "partner-bot"
    )
    assert code == 0
    settings = resolve_pack_config(json.loads(out))
    realm = settings["inbox-realm-requirements"].config
    assert isinstance(realm, RealmRequirementsProperties)
    assert realm.caller_realm == "partner-realm"
    assert ("partner-ops", "partner-realm") in {(g.name, g.realm) for g in realm.groups}
    markings = settings["inbox-markings"].config
    assert isinstance(markings, MarkingsProperties)
    assert markings.allowed_markings == ["UNCLASSIFIED", "SENSITIVE", "SECRET"]
    assert markings.caller_clearance == ["UNCLASSIFIED"]
    readers = settings["inbox-recipients-can-read"].config
    assert isinstance(readers, RecipientsCanReadProperties)
    assert readers.caller_realm == "partner-realm"
    # Groups without a clearance read everything in the directory, so they are not listed.
    assert {(g.name, g.realm, tuple(g.clearance)) for g in readers.groups} == {
        ("Everyone", "palantir-internal-realm", ("UNCLASSIFIED", "SENSITIVE")),
        ("partner-ops", "partner-realm", ("UNCLASSIFIED",)),
    }
    # One source of truth: the group clearances are written once, for the policy that reads them.
    assert set(json.loads(out)["inbox-markings"]) == {"allowedMarkings", "callerClearance"}
    # Levels are left to each policy's default.
    assert all("enforcementLevel" not in entry for entry in json.loads(out).values())


def test_the_directorys_limits_go_to_the_policies_that_enforce_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = yaml.safe_load(example_directory_path().read_text())
    directory["limits"] = {
        "max_recipients_per_message": 3,
        "max_title_length": 40,
        "max_body_length": 500,
        "max_messages_per_request": 7,
    }
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(directory))
    code, out, _ = generate(capsys, "--directory", str(path), "--caller", "release-bot")
    assert code == 0
    written = json.loads(out)
    assert written["inbox-message-valid"] == {
        "maxRecipientsPerMessage": 3,
        "maxTitleLength": 40,
        "maxBodyLength": 500,
    }
    assert written["inbox-batch-atomicity"] == {"maxMessagesPerRequest": 7}
    # inbox-content's limits are the team's house style, not the server's: left to the team.
    assert "inbox-content" not in written
    settings = resolve_pack_config(written)
    valid = settings["inbox-message-valid"].config
    assert isinstance(valid, MessageValidProperties)
    assert (valid.max_recipients_per_message, valid.max_title_length) == (3, 40)
    batch = settings["inbox-batch-atomicity"].config
    assert isinstance(batch, BatchAtomicityProperties)
    assert batch.max_messages_per_request == 7


def test_a_directory_without_limits_gives_the_emulators_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = generate(capsys, "--caller", "release-bot")
    assert code == 0
    written = json.loads(out)
    server = LimitsEntry()
    assert written["inbox-message-valid"] == {
        "maxRecipientsPerMessage": server.max_recipients_per_message,
        "maxTitleLength": server.max_title_length,
        "maxBodyLength": server.max_body_length,
    }
    assert written["inbox-batch-atomicity"] == {
        "maxMessagesPerRequest": server.max_messages_per_request
    }


def test_no_token_or_secret_is_copied(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = generate(capsys, "--caller", "release-bot")
    assert code == 0
    directory = yaml.safe_load(example_directory_path().read_text())
    secrets = [user["token"] for user in directory["users"] if "token" in user]
    secrets += [client["client_secret"] for client in directory["clients"]]
    assert secrets
    for secret in secrets:
        assert secret not in out


def test_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "policy-config.dev.json"
    code, out, err = generate(capsys, "--caller", "release-bot", "--output", str(target))
    assert code == 0 and out == ""
    assert f"wrote {target}" in err
    assert json.loads(target.read_text())["inbox-realm-requirements"]["callerRealm"] == (
        "palantir-internal-realm"
    )


def test_caller_outside_the_producer_group_gets_a_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = generate(capsys, "--caller", "intern")
    assert code == 0 and json.loads(out)
    assert "not in the group 'External Inbox Alert Producers'" in err


def test_unknown_caller_and_bad_directory_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = generate(capsys, "--caller", "release-bto")
    assert (code, out) == (2, "")
    assert "no user 'release-bto'" in err and "release-bot" in err
    broken = tmp_path / "directory.yaml"
    broken.write_text("markings: []\ngroups: []\nusers: []\n")
    code, out, err = generate(capsys, "--directory", str(broken), "--caller", "x")
    assert (code, out) == (2, "")
    assert "markings: must list at least one entry" in err
    code, _, err = generate(capsys)
    assert code == 2 and "--caller USER is required" in err


def test_schema_of_the_config_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, schema_text, _ = generate(capsys, "--schema")
    assert code == 0
    validator = Draft202012Validator(json.loads(schema_text))
    _, config_text, _ = generate(capsys, "--caller", "release-bot")
    assert list(validator.iter_errors(json.loads(config_text))) == []
    assert list(validator.iter_errors({"inbox-content": "mandatory", "all": "advisory"})) == []
    assert list(validator.iter_errors({"inbox-content": {"maxTitleLength": "long"}}))
    assert list(validator.iter_errors({"inbox-realm": "mandatory"}))

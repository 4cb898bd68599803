"""Policy config files: Pulumi's format and semantics, and clear errors for bad config."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.directory import LimitsEntry
from gotham_inbox.policy import (
    POLICIES,
    EnforcementLevel,
    PolicyConfigError,
    load_pack_config,
    resolve_pack_config,
)
from gotham_inbox.policy.content import ContentProperties
from gotham_inbox.policy.markings import MarkingsProperties


def test_defaults_are_each_policys_own_level_and_schema_defaults() -> None:
    settings = resolve_pack_config(None)
    assert {name: policy.level.value for name, policy in settings.items()} == {
        "inbox-message-valid": "mandatory",
        "inbox-batch-atomicity": "mandatory",
        "inbox-realm-requirements": "mandatory",
        "inbox-markings": "mandatory",
        "inbox-recipients-can-read": "advisory",
        "inbox-content": "advisory",
    }
    server = LimitsEntry()  # the emulator's defaults: the policies assume the same server
    assert settings["inbox-batch-atomicity"].properties == {
        "maxBatchSize": 100,
        "maxMessagesPerRequest": server.max_messages_per_request,
    }
    assert settings["inbox-message-valid"].properties == {
        "maxRecipientsPerMessage": server.max_recipients_per_message,
        "maxTitleLength": server.max_title_length,
        "maxBodyLength": server.max_body_length,
    }
    content = settings["inbox-content"].config
    assert isinstance(content, ContentProperties)
    assert content.broadcast_groups == ["Everyone"]
    assert not content.allow_broadcast


def test_level_string_object_and_all_follow_pulumi_semantics() -> None:
    settings = resolve_pack_config(
        {
            "all": "advisory",
            "inbox-markings": {
                "enforcementLevel": "mandatory",
                "maxMarking": "A",
                "allowedMarkings": ["A", "B"],
            },
            "inbox-content": "disabled",
            "inbox-batch-atomicity": {"maxBatchSize": 5},
        }
    )
    assert settings["inbox-message-valid"].level is EnforcementLevel.ADVISORY
    assert settings["inbox-markings"].level is EnforcementLevel.MANDATORY
    assert settings["inbox-content"].level is EnforcementLevel.DISABLED
    # An entry without enforcementLevel keeps the level it had (here: all's).
    assert settings["inbox-batch-atomicity"].level is EnforcementLevel.ADVISORY
    assert settings["inbox-batch-atomicity"].properties["maxBatchSize"] == 5
    markings = settings["inbox-markings"].config
    assert isinstance(markings, MarkingsProperties)
    assert markings.ceiling_for("any-stack") == "A"


def test_entry_without_level_keeps_the_policys_default() -> None:
    settings = resolve_pack_config({"inbox-realm-requirements": {"callerRealm": "r"}})
    assert settings["inbox-realm-requirements"].level is EnforcementLevel.MANDATORY


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (
            {"inbox-realms": "mandatory"},
            "'inbox-realms' is not a policy of the gotham-inbox pack; "
            "did you mean 'inbox-realm-requirements'?",
        ),
        ({"inbox-content": "strict"}, "inbox-content: enforcement level 'strict' is not one of"),
        ({"inbox-content": 3}, "inbox-content: must be an enforcement level string or an object"),
        ({"inbox-content": {"enforcementLevel": 1}}, "enforcement level 1 is not one of"),
        (
            {"inbox-content": {"maxTitleLenght": 10}},
            "inbox-content.maxTitleLenght: unknown property; did you mean 'maxTitleLength'?",
        ),
        (
            # A typo in a nested entry names that entry's properties, not the policy's.
            {"inbox-recipients-can-read": {"groups": [{"nam": "ops", "clearance": []}]}},
            "inbox-recipients-can-read.groups[0].nam: unknown property; did you mean 'name'? "
            "remove it (properties: clearance, name, realm)",
        ),
        (
            {"inbox-content": {"secretPatterns": [{"name": "k", "patern": "x"}]}},
            "inbox-content.secretPatterns[0].patern: unknown property; did you mean 'pattern'? "
            "remove it (properties: name, pattern)",
        ),
        ({"inbox-batch-atomicity": {"maxBatchSize": "ten"}}, "inbox-batch-atomicity.maxBatchSize"),
        ({"inbox-batch-atomicity": {"maxBatchSize": 0}}, "greater than or equal to 1; got 0"),
        (
            {"inbox-realm-requirements": {"groups": [{"name": "x"}]}},
            "inbox-realm-requirements.groups[0].realm: Field required",
        ),
        (
            {"inbox-markings": {"maxMarking": "SECRET"}},
            "maxMarking is 'SECRET', which is not in allowedMarkings",
        ),
        (
            {"inbox-markings": {"allowedMarkings": ["A"], "stackMaxMarkings": {"dev": "B"}}},
            "stackMaxMarkings.dev is 'B', which is not in allowedMarkings",
        ),
        ({"inbox-markings": {"allowedMarkings": ["A", "A"]}}, "lists a marking twice"),
        (
            # Group clearances moved to inbox-recipients-can-read: the old place says so.
            {"inbox-markings": {"groups": []}},
            "inbox-markings.groups: unknown property; remove it",
        ),
        (
            {"inbox-recipients-can-read": {"groups": [{"name": "ops"}]}},
            "inbox-recipients-can-read.groups[0].clearance: Field required",
        ),
        (
            {"inbox-recipients-can-read": {"callerRealm": ""}},
            "inbox-recipients-can-read.callerRealm: String should have at least 1 character",
        ),
        (
            {"inbox-content": {"secretPatterns": [{"name": "bad", "pattern": "("}]}},
            "pattern 'bad' is not a valid regular expression",
        ),
        ({"all": {"enforcementLevel": "advisory", "maxBatchSize": 3}}, "'all' takes only"),
        ({"environments": ["team/dev"]}, "'environments' (Pulumi ESC) cannot be resolved"),
    ],
)
def test_bad_config_names_the_policy_and_property(raw: dict[str, Any], says: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        resolve_pack_config(raw)
    assert says in str(raised.value)


def test_config_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "policy-config.json"
    broken.write_text('{"inbox-content": "advisory",}')
    with pytest.raises(PolicyConfigError, match=r"policy-config.json is not valid JSON: .* line 1"):
        load_pack_config(broken)
    listing = tmp_path / "list.json"
    listing.write_text("[]")
    with pytest.raises(PolicyConfigError, match=r"list.json: .*must hold a JSON object"):
        load_pack_config(listing)
    with pytest.raises(PolicyConfigError, match=r"policy config .*missing.json does not exist"):
        load_pack_config(tmp_path / "missing.json")


@pytest.mark.parametrize("text", ["", "  \n", "\t\r\n"], ids=["empty", "blank", "whitespace"])
def test_an_empty_or_whitespace_file_is_an_error_not_silent_defaults(
    tmp_path: Path, text: str
) -> None:
    # Read as {}, it would turn off the group and marking checks: an unknown group would pass.
    empty = tmp_path / "policy-config.json"
    empty.write_text(text)
    with pytest.raises(
        PolicyConfigError, match=r"policy-config.json is empty; write a JSON object"
    ):
        load_pack_config(empty)


def test_config_file_round_trips_through_json(tmp_path: Path) -> None:
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps({"inbox-content": {"maxTitleLength": 80}}))
    content = load_pack_config(path)["inbox-content"]
    assert content.properties["maxTitleLength"] == 80
    assert {spec.name for spec in POLICIES} == set(load_pack_config(path))

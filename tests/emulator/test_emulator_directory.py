"""The directory file: what loads, and how a bad file is reported."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from gotham_inbox.cli import main
from gotham_inbox.directory import (
    DIRECTORY_SCHEMA,
    DirectoryError,
    DirectoryFile,
    example_directory_path,
    load_directory,
    parse_directory,
)
from tests.emulator.emulator_helpers import SEED_DIRECTORY


def problems_of(data: Any) -> list[str]:
    with pytest.raises(DirectoryError) as caught:
        parse_directory(data, "test.yaml")
    assert "test.yaml" in str(caught.value)
    return caught.value.problems


def test_example_directory_loads_with_the_users_other_parts_rely_on() -> None:
    directory = load_directory()
    release_bot = directory.user_for_token("emu-7c41e9a3f05b2d86")
    assert release_bot is not None
    assert release_bot.name == "release-bot"
    assert release_bot.realm == "palantir-internal-realm"
    assert release_bot.clearance == frozenset({"UNCLASSIFIED", "SENSITIVE"})
    assert release_bot.is_inbox_producer
    assert directory.user("partner-bot").realm == "partner-realm"
    assert not directory.user("intern").is_inbox_producer
    client = directory.client("release-pipeline")
    assert client is not None
    assert client.client_secret == "emu-secret-5a3e8c19d07f42b6"
    assert client.user == "release-bot"


def test_the_example_file_is_valid_under_the_published_schema() -> None:
    import yaml

    data = yaml.safe_load(example_directory_path().read_text())
    assert list(Draft202012Validator(DIRECTORY_SCHEMA).iter_errors(data)) == []


def test_the_printed_schema_is_the_one_generated_from_the_models(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import yaml

    assert main(["emulator", "--print-directory-schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    generated = DirectoryFile.model_json_schema(mode="validation")
    assert printed == {"$schema": "https://json-schema.org/draft/2020-12/schema", **generated}
    validator = Draft202012Validator(printed)
    assert validator.is_valid(yaml.safe_load(example_directory_path().read_text()))
    bad = json.loads(json.dumps(SEED_DIRECTORY))
    bad["users"][0]["clearance"] = ["UNCLASSIFIED", "UNCLASSIFIED"]
    assert [error.validator for error in validator.iter_errors(bad)] == ["uniqueItems"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"markings": ["UNCLASSIFIED", "UNCLASSIFIED"]}, "markings: lists the same entry twice"),
        ({"groups": [{"name": " ", "realm": "r"}]}, "groups[0].name: must not be empty"),
        ({"users": [{"name": "u", "realm": ""}]}, "users[0].realm: must not be empty"),
        (
            {"users": [{"name": "u", "realm": "r", "clearance": None}]},
            "users[0].clearance: must be a list, got None",
        ),
        (
            {"users": [{"name": "u", "realm": "r", "token": None}]},
            "users[0].token: must be a string, got None",
        ),
        (
            {"clients": [{"client_id": "c", "user": "u"}]},
            "clients[0]: required field 'client_secret' is missing",
        ),
        ({"clients": None}, "clients: must be a list, got None"),
        (
            {"colour": "blue"},
            "(top level): unknown field 'colour'; "
            "remove it (allowed here: markings, groups, users, clients, limits)",
        ),
    ],
)
def test_the_schema_and_the_loader_refuse_the_same_files(
    change: dict[str, Any], problem: str
) -> None:
    data = {**json.loads(json.dumps(SEED_DIRECTORY)), **change}
    assert not Draft202012Validator(DIRECTORY_SCHEMA).is_valid(data)
    (found,) = problems_of(data)
    assert found.startswith(problem)


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    assert problems_of(["UNCLASSIFIED"]) == ["(top level): must be a mapping, got ['UNCLASSIFIED']"]


def test_json_and_yaml_files_give_the_same_directory(tmp_path: Path) -> None:
    json_file = tmp_path / "directory.json"
    json_file.write_text(json.dumps(SEED_DIRECTORY))
    yaml_file = tmp_path / "directory.yaml"
    yaml_file.write_text(json.dumps(SEED_DIRECTORY, indent=2))  # JSON is YAML too
    from_json = load_directory(json_file)
    from_yaml = load_directory(yaml_file)
    assert from_json.users == from_yaml.users
    assert from_json.groups == from_yaml.groups
    assert from_json.group("my-example-group", "example-realm") is not None


def test_omitted_clearance_means_every_marking() -> None:
    directory = parse_directory(SEED_DIRECTORY)
    docs_bot = directory.user("docs-bot")
    assert docs_bot.clearance is None
    assert docs_bot.may_apply("SENSITIVE")


def test_empty_clearance_means_no_marking() -> None:
    data = json.loads(json.dumps(SEED_DIRECTORY))
    data["users"][0]["clearance"] = []
    assert not parse_directory(data).user("docs-bot").may_apply("UNCLASSIFIED")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(DirectoryError, match=r"nope\.yaml") as caught:
        load_directory(missing)
    assert caught.value.problems == ["the file does not exist"]


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        pytest.param(
            "broken.yaml",
            "markings: [UNCLASSIFIED\ngroups: []\n",
            r"not valid YAML at line",
            id="broken-yaml-gives-the-line",
        ),
        pytest.param(
            "broken.json",
            '{"markings": ["A",]}',
            r"^the file is not valid JSON: .*at line 1, column",
            id="broken-json-gives-line-and-column",
        ),
        pytest.param("empty.yaml", "", r"the file is empty", id="an-empty-file-is-refused"),
    ],
)
def test_a_file_that_is_no_document_says_why(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(DirectoryError) as caught:
        load_directory(file)
    assert re.search(problem, caught.value.problems[0]), caught.value.problems


def test_schema_problems_name_the_entry_and_the_fix() -> None:
    data = json.loads(json.dumps(SEED_DIRECTORY))
    del data["users"][0]["realm"]
    data["groups"][0]["realms"] = "typo"
    problems = problems_of(data)
    assert "users[0]: required field 'realm' is missing; add it" in problems
    assert any(
        problem.startswith("groups[0]: unknown field 'realms'; remove it (allowed here: name")
        for problem in problems
    )


def test_yaml_booleans_get_a_hint_to_quote(tmp_path: Path) -> None:
    file = tmp_path / "bools.yaml"
    file.write_text("markings: [UNCLASSIFIED, no]\ngroups: []\nusers: []\n")
    with pytest.raises(DirectoryError) as caught:
        load_directory(file)
    (problem,) = caught.value.problems
    assert problem.startswith("markings[1]: must be a string, got False")
    assert "quote the value" in problem


def test_no_markings_at_all_is_refused() -> None:
    assert problems_of({"markings": [], "groups": [], "users": []}) == [
        "markings: must list at least one entry"
    ]


def test_clearance_naming_an_unknown_marking_is_refused() -> None:
    data = json.loads(json.dumps(SEED_DIRECTORY))
    data["users"][0]["clearance"] = ["UNCLASSIFIED", "SECERT"]
    assert problems_of(data) == [
        "users[0].clearance[1]: unknown marking 'SECERT'; use one of UNCLASSIFIED, SENSITIVE "
        "or add it to markings"
    ]


def test_references_and_duplicates_are_checked() -> None:
    data = json.loads(json.dumps(SEED_DIRECTORY))
    data["groups"].append({"name": "my-example-group", "realm": "example-realm"})
    twin = dict(data["users"][0], groups=["Extrenal Inbox Alert Producers"])
    data["users"].append(twin)
    data["clients"] = [{"client_id": "ci", "client_secret": "s", "user": "ghost"}]
    problems = problems_of(data)
    assert "groups[2]: group 'my-example-group' in realm 'example-realm' is defined twice" in (
        problems
    )
    assert "users[1]: user 'docs-bot' is defined twice" in problems
    assert "users[1].token: another user has the same token; tokens must be unique" in problems
    assert (
        "users[1].groups: no group 'Extrenal Inbox Alert Producers' in the directory; "
        "add it under groups" in problems
    )
    assert "clients[0].user: no user 'ghost' in the directory; name one of the users" in problems


def test_secrets_stay_out_of_reprs() -> None:
    directory = load_directory()
    text = repr(directory)
    assert "emu-7c41e9a3f05b2d86" not in text
    assert "emu-secret-5a3e8c19d07f42b6" not in text
    assert "release-bot" in text

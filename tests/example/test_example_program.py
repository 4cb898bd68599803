"""The example stack's program under Pulumi's mocks: what it declares, and with which ids."""

from __future__ import annotations

from collections import Counter

import yaml

from gotham_inbox.directory import load_directory
from gotham_inbox.providers import release_source_id
from gotham_inbox.source_ids import derive_source_id
from tests.example.example_support import (
    BATCH_TYPE,
    COMPONENT_TYPE,
    MANIFEST_TYPE,
    MESSAGE_TYPE,
    ROOT,
    ExampleRun,
    run_example,
)

VERSION_KEY = "gotham-inbox-example:version"


def inbox_ids(run: ExampleRun) -> dict[str, list[str]]:
    """Every inbox resource's sourceIds, by resource name."""
    ids = {}
    for item in run.registrations:
        if item.type == MESSAGE_TYPE:
            ids[item.name] = [item.inputs["message"]["sourceId"]]
        elif item.type == BATCH_TYPE:
            ids[item.name] = [message["sourceId"] for message in item.inputs["messages"]]
    return ids


def test_the_example_declares_messages_a_batch_and_an_announcement_beside_infrastructure() -> None:
    run = run_example()

    assert Counter(item.type for item in run.registrations) == {
        MANIFEST_TYPE: 1,
        MESSAGE_TYPE: 3,  # two messages and the announcement's
        BATCH_TYPE: 1,
        COMPONENT_TYPE: 1,
    }
    assert len(run.registered("rollout-steps").inputs["messages"]) == 2
    manifest = run.registered("release-manifest").inputs
    config = run.project.config
    assert manifest["content"] == {
        "service": "gotham-inbox-example",
        "version": config[VERSION_KEY],
        "stack": "dev",
        "changelog": config["gotham-inbox-example:changelog"],
    }


def test_the_announcement_is_sent_last_after_the_infrastructure_and_other_messages() -> None:
    run = run_example()

    component = run.registered("release")
    child = run.registered("release-message")
    assert child.type == MESSAGE_TYPE
    assert child.parent == component.urn
    everything_else = ("release-manifest", "maintenance-tonight", "partner-notice", "rollout-steps")
    assert sorted(child.dependencies) == sorted(
        run.registered(name).urn for name in everything_else
    )


def test_the_announcement_renders_the_stack_config_release_as_markdown() -> None:
    run = run_example()
    config = run.project.config
    version, changelog = config[VERSION_KEY], config["gotham-inbox-example:changelog"]

    message = run.registered("release-message").inputs["message"]
    assert message["sourceId"] == release_source_id("gotham-inbox-example", version)
    assert message["title"] == {"value": f"gotham-inbox-example {version} is released"}
    assert message["body"] == {
        "value": f"**gotham-inbox-example {version}** is released.\n\n{changelog}",
        "formatStyle": "MARKDOWN",
    }
    assert changelog.strip()  # the dev stack has a changelog to show


def test_every_other_message_carries_its_derived_source_id() -> None:
    run = run_example()

    for name, ids in inbox_ids(run).items():
        if name == "release-message":
            continue
        inputs = run.registered(name).inputs
        messages = [inputs["message"]] if "message" in inputs else inputs["messages"]
        index = [None] if "message" in inputs else list(range(len(messages)))
        expected = [
            derive_source_id("gotham-inbox-example", "dev", name, message, position)
            for message, position in zip(messages, index, strict=True)
        ]
        assert ids == expected, name


def test_the_same_version_keeps_every_id_and_a_new_version_only_changes_what_mentions_it() -> None:
    first, again = run_example(), run_example()
    bumped = run_example(config={VERSION_KEY: "9.9.9"})

    assert inbox_ids(again) == inbox_ids(first)
    before, after = inbox_ids(first), inbox_ids(bumped)
    assert after["release-message"] == [release_source_id("gotham-inbox-example", "9.9.9")]
    assert after["release-message"] != before["release-message"]
    assert after["maintenance-tonight"] == before["maintenance-tonight"]  # no version in it


def test_the_announcement_id_does_not_depend_on_the_stack() -> None:
    dev, prod = run_example(), run_example(stack="prod")

    assert inbox_ids(prod)["release-message"] == inbox_ids(dev)["release-message"]
    assert inbox_ids(prod)["maintenance-tonight"] != inbox_ids(dev)["maintenance-tonight"]


def test_running_the_program_under_mocks_writes_no_manifest() -> None:
    run_example(stack="mocked-example-run")

    assert not (ROOT / "build" / "release-manifest.mocked-example-run.json").exists()


def test_the_dev_stack_targets_the_emulator_with_the_token_as_a_pulumi_secret() -> None:
    settings = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    config = settings["config"]
    directory = load_directory()

    assert config["gotham:hostname"] == "http://127.0.0.1:8765"
    assert config["gotham:realm"] == directory.user("release-bot").realm
    # Encrypted with the passphrase secrets provider: a salt, and a ciphertext, no plaintext.
    assert settings["encryptionsalt"].startswith("v1:")
    assert set(config["gotham:token"]) == {"secure"}
    assert config["gotham:token"]["secure"].startswith("v1:")
    token = directory.user("release-bot").token
    assert token is not None
    assert token not in (ROOT / "Pulumi.dev.yaml").read_text(encoding="utf-8")

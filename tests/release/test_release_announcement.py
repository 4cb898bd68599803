"""ReleaseAnnouncement deployed under Pulumi's mocks through the real provider, to the emulator.

Every deploy here starts from an empty state, as after a lost state file, so "sends nothing"
means the provider's create came back ``CONFLICTING_SOURCE_ID`` and was adopted.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.providers import AnnouncementError, ReleaseAnnouncement, release_source_id
from gotham_inbox.providers.provider import InboxMessageProvider
from release_manifest import ReleaseManifest
from tests.release.release_support import BrokenInfrastructure, deploy

COMPONENT_TYPE = "gotham:index:ReleaseAnnouncement"
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
CHANGELOG = "- faster invoices\n- fixed the *rounding* bug"


def announce(version: Any = "1.4.0", **overrides: Any) -> ReleaseAnnouncement:
    arguments: dict[str, Any] = {
        "service": "billing-api",
        "version": version,
        "changelog": CHANGELOG,
        "recipients": ["platform-team", {"name": "partner-ops", "realm": "partner-realm"}],
        "markings": ["UNCLASSIFIED"],
        "sender": "Release Bot",
    }
    arguments.update(overrides)
    name = arguments.pop("name", "release")
    return ReleaseAnnouncement(name, **arguments)


def test_the_first_deploy_sends_the_announcement_once_with_a_markdown_body(
    gotham_emulator: RunningEmulator,
) -> None:
    deployment = deploy(announce, gotham_emulator)

    expected_id = release_source_id("billing-api", "1.4.0")
    (record,) = gotham_emulator.messages()
    assert record["sourceId"] == expected_id
    assert record["caller"] == "release-bot"
    assert record["message"]["title"] == {"value": "billing-api 1.4.0 is released"}
    assert record["message"]["body"] == {
        "value": f"**billing-api 1.4.0** is released.\n\n{CHANGELOG}",
        "formatStyle": "MARKDOWN",
    }
    assert record["message"]["sender"] == {"displayName": "Release Bot"}
    assert record["recipients"] == [
        {"name": "platform-team", "realm": "palantir-internal-realm"},
        {"name": "partner-ops", "realm": "partner-realm"},
    ]
    assert deployment.outputs["source_id"] == expected_id
    assert deployment.outputs["status"] == "sent"
    assert deployment.outputs["message"] == record["message"]


def test_the_component_has_its_type_and_one_inbox_message_child(
    gotham_emulator: RunningEmulator,
) -> None:
    deployment = deploy(announce, gotham_emulator)

    assert [(item.type, item.name) for item in deployment.registrations] == [
        (COMPONENT_TYPE, "release"),
        (MESSAGE_TYPE, "release-message"),
    ]
    component, child = deployment.registrations
    assert child.parent == component.urn
    assert child.inputs["message"]["sourceId"] == release_source_id("billing-api", "1.4.0")


def test_deploying_the_same_version_again_with_no_state_sends_nothing(
    gotham_emulator: RunningEmulator,
) -> None:
    first = deploy(announce, gotham_emulator)
    second = deploy(announce, gotham_emulator)

    assert first.outputs["status"] == "sent"
    assert second.outputs["status"] == "adopted"
    assert second.outputs["source_id"] == first.outputs["source_id"]
    assert len(gotham_emulator.messages()) == 1


def test_the_same_release_from_another_stack_or_name_or_changelog_is_not_sent_again(
    gotham_emulator: RunningEmulator,
) -> None:
    deploy(announce, gotham_emulator, project="billing", stack="staging")
    again = [
        deploy(announce, gotham_emulator, project="billing", stack="prod"),
        deploy(lambda: announce(name="announce-billing"), gotham_emulator),
        deploy(lambda: announce(changelog="- corrected notes"), gotham_emulator),
    ]

    assert [item.outputs["status"] for item in again] == ["adopted"] * 3
    (record,) = gotham_emulator.messages()
    assert record["message"]["body"]["value"].endswith(CHANGELOG)


def test_redeploying_a_release_changes_nothing_and_an_edit_replaces_the_message(
    gotham_emulator: RunningEmulator,
) -> None:
    # What the engine asks the provider on the next `pulumi up`, with the recorded state.
    first = deploy(announce, gotham_emulator)
    state = {"message": first.outputs["message"]}
    same = deploy(announce, gotham_emulator).registered("release-message").inputs
    edited = deploy(lambda: announce(changelog="- corrected"), gotham_emulator)

    provider = InboxMessageProvider()
    assert provider.diff("id", state, same).changes is False
    replaced = provider.diff("id", state, edited.registered("release-message").inputs)
    assert replaced.changes is True
    assert replaced.replaces == ["message"]
    assert edited.outputs["status"] == "adopted"  # the replacement keeps the release's id
    assert len(gotham_emulator.messages()) == 1


def test_a_new_version_sends_a_new_message(gotham_emulator: RunningEmulator) -> None:
    first = deploy(announce, gotham_emulator)
    second = deploy(lambda: announce("1.5.0"), gotham_emulator)

    assert second.outputs["status"] == "sent"
    assert second.outputs["source_id"] == release_source_id("billing-api", "1.5.0")
    assert second.outputs["source_id"] != first.outputs["source_id"]
    titles = [record["message"]["title"]["value"] for record in gotham_emulator.messages()]
    assert titles == ["billing-api 1.4.0 is released", "billing-api 1.5.0 is released"]


def test_the_message_depends_on_the_infrastructure_and_is_sent_after_it(
    gotham_emulator: RunningEmulator, tmp_path: Any
) -> None:
    def program() -> ReleaseAnnouncement:
        database = ReleaseManifest("database", path=str(tmp_path / "db.json"), content={})
        api = ReleaseManifest("api", path=str(tmp_path / "api.json"), content={})
        return announce(
            depends_on=[database],
            opts=pulumi.ResourceOptions(depends_on=[api]),
        )

    deployment = deploy(program, gotham_emulator)

    child = deployment.registered("release-message")
    assert set(child.dependencies) == {
        deployment.registered("database").urn,
        deployment.registered("api").urn,
    }
    assert deployment.created.index("release-message") > max(
        deployment.created.index("database"), deployment.created.index("api")
    )


def test_nothing_is_sent_when_the_infrastructure_fails(
    gotham_emulator: RunningEmulator, tmp_path: Any
) -> None:
    def program() -> ReleaseAnnouncement:
        database = ReleaseManifest("database", path=str(tmp_path / "db.json"), content={})
        return announce(depends_on=[database])

    deployment = deploy(
        program, gotham_emulator, failing=frozenset({"database"}), expect_failure=True
    )

    assert isinstance(deployment.error, BrokenInfrastructure)
    assert "release-message" not in [item.name for item in deployment.registrations]
    assert gotham_emulator.messages() == []


def test_custom_templates_fill_every_placeholder_and_keep_literal_braces(
    gotham_emulator: RunningEmulator,
) -> None:
    deploy(
        lambda: announce(
            title_template="[{service}] v{version} deployed {{prod}}",
            body_template="## {service} {version}\n\n{changelog}\n\nRollback: `deploy {version}`",
        ),
        gotham_emulator,
    )

    (record,) = gotham_emulator.messages()
    assert record["message"]["title"]["value"] == "[billing-api] v1.4.0 deployed {prod}"
    assert record["message"]["body"]["value"] == (
        f"## billing-api 1.4.0\n\n{CHANGELOG}\n\nRollback: `deploy 1.4.0`"
    )


def test_inputs_may_be_outputs_of_other_resources(
    gotham_emulator: RunningEmulator, tmp_path: Any
) -> None:
    def program() -> ReleaseAnnouncement:
        manifest = ReleaseManifest(
            "manifest", path=str(tmp_path / "m.json"), content={"version": "2.0.0"}
        )
        version = manifest.content.apply(lambda content: content["version"])
        return announce(
            version=version,
            recipients=[pulumi.Output.from_input("sre-oncall")],
            sender=pulumi.Output.secret("Release Bot"),
        )

    deployment = deploy(program, gotham_emulator)

    assert deployment.outputs["source_id"] == release_source_id("billing-api", "2.0.0")
    (record,) = gotham_emulator.messages()
    assert record["message"]["title"]["value"] == "billing-api 2.0.0 is released"
    assert record["recipients"] == [{"name": "sre-oncall", "realm": "palantir-internal-realm"}]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"title_template": "{service} {verison}"},
            "title_template: unknown placeholder {verison}",
        ),
        ({"body_template": "{changelog"}, "body_template: expected '}' before end of string"),
        ({"recipients": []}, "recipients: must be a non-empty list"),
        ({"markings": []}, "markings: must be a non-empty list"),
        ({"service": " "}, "service: is empty"),
        ({"depends_on": ["database"]}, "depends_on[0]: must be a Pulumi resource, not str"),
    ],
)
def test_bad_arguments_fail_before_anything_is_registered_or_sent(
    gotham_emulator: RunningEmulator, overrides: dict[str, Any], error: str
) -> None:
    deployment = deploy(lambda: announce(**overrides), gotham_emulator, expect_failure=True)

    assert isinstance(deployment.error, AnnouncementError)
    assert str(deployment.error).startswith(error)
    assert deployment.registrations == []
    assert gotham_emulator.messages() == []


def test_a_bad_value_that_arrives_as_an_output_fails_the_deploy_and_sends_nothing(
    gotham_emulator: RunningEmulator,
) -> None:
    deployment = deploy(
        lambda: announce(version=pulumi.Output.from_input("")), gotham_emulator, expect_failure=True
    )

    # Pulumi reports an error raised while resolving an input with the error's own text.
    assert "version: is empty; give the version" in str(deployment.error)
    assert [item.name for item in deployment.registrations] == ["release"]  # no message
    assert gotham_emulator.messages() == []

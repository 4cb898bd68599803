"""The announcement message on its own: sourceIds, templates, argument errors, policies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox.directory import load_directory
from gotham_inbox.models import GroupRecipient
from gotham_inbox.policy.directory_config import policy_config_from_directory
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import INBOX_MESSAGE_TYPE, StackContext, inbox_resource
from gotham_inbox.policy.pack_config import resolve_pack_config
from gotham_inbox.providers.announcement import (
    AnnouncementError,
    announcement_message,
    check_recipients,
    check_template,
    release_source_id,
)
from gotham_inbox.validation import check_message

ARGUMENTS: dict[str, Any] = {
    "service": "billing-api",
    "version": "1.4.0",
    "changelog": "- faster invoices",
    "recipients": ["platform-team"],
    "markings": ["UNCLASSIFIED"],
    "sender": "Release Bot",
}

names = st.text(min_size=1, max_size=30).filter(lambda text: text.strip() != "")


def test_the_source_id_is_the_documented_uuid5_of_service_and_version() -> None:
    # Pinned on purpose: changing the derivation would announce every release again.
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "urn:gotham-inbox:release-announcement:v1")
    name = json.dumps({"service": "billing-api", "version": "1.4.0"}, separators=(",", ":"))
    assert release_source_id("billing-api", "1.4.0") == str(uuid.uuid5(namespace, name))


@given(first=st.tuples(names, names), second=st.tuples(names, names))
def test_different_releases_never_share_a_source_id(
    first: tuple[str, str], second: tuple[str, str]
) -> None:
    # Includes ("a-b", "c") against ("a", "b-c"): the id is not derived from a concatenation.
    assert (release_source_id(*first) == release_source_id(*second)) == (first == second)


@given(service=names, version=names, changelog=st.text(max_size=200))
def test_any_release_text_makes_a_valid_message_with_the_release_id(
    service: str, version: str, changelog: str
) -> None:
    message = announcement_message(
        **{**ARGUMENTS, "service": service, "version": version, "changelog": changelog}
    )

    _, problems = check_message(message, 0)
    assert problems == []
    assert message["sourceId"] == release_source_id(service, version)
    # Braces in the values are text, never placeholders.
    assert message["body"]["value"].endswith(changelog)
    assert message["title"]["value"] == f"{service} {version} is released"


@pytest.mark.parametrize(
    ("template", "error"),
    [
        (
            "{servise} out",
            "title_template: unknown placeholder {servise} (did you mean {service}?)",
        ),
        ("{} out", "title_template: unknown placeholder {}"),
        ("{service.upper} out", "title_template: unknown placeholder {service.upper}"),
        ("{service!r} out", "title_template: placeholder {service} has a conversion"),
        ("{version:>10} out", "title_template: placeholder {version} has a conversion or format"),
        ("{service out", "title_template: expected '}' before end of string"),
        ("service} out", "title_template: Single '}' encountered in format string"),
    ],
)
def test_a_bad_template_is_an_error_naming_the_placeholder(template: str, error: str) -> None:
    with pytest.raises(AnnouncementError) as caught:
        check_template("title_template", template)
    assert str(caught.value).startswith(error)


def test_a_template_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(AnnouncementError, match=r"^body_template: must be a string .* not int"):
        announcement_message(**ARGUMENTS, body_template=42)


def test_recipients_may_be_names_mappings_or_models() -> None:
    assert check_recipients(
        [
            "platform-team",
            {"name": "partner-ops", "realm": "partner-realm"},
            GroupRecipient(name="sre-oncall"),
        ]
    ) == [
        {"name": "platform-team"},
        {"name": "partner-ops", "realm": "partner-realm"},
        {"name": "sre-oncall"},
    ]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"recipients": "platform-team"}, "recipients: must be a non-empty list"),
        ({"recipients": ["platform-team", 7]}, "recipients[1]: must be a group name or a mapping"),
        ({"recipients": [{"realm": "partner-realm"}]}, "recipients[0]: must be a group name"),
        ({"recipients": [""]}, "recipients[0]: the group name is empty"),
        ({"markings": "UNCLASSIFIED"}, "markings: must be a non-empty list"),
        ({"markings": ["UNCLASSIFIED", ""]}, "markings[1]: must be a non-empty marking name"),
        ({"version": 1.4}, "version: must be a string, not float"),
        ({"sender": ""}, "sender: is empty; give the sender"),
        ({"changelog": None}, "changelog: must be a string, not NoneType"),
    ],
)
def test_bad_arguments_name_the_argument(changes: dict[str, Any], error: str) -> None:
    with pytest.raises(AnnouncementError) as caught:
        announcement_message(**{**ARGUMENTS, **changes})
    assert str(caught.value).startswith(error)


def test_announcements_to_the_example_groups_pass_the_policy_pack_with_its_example_config() -> None:
    directory = load_directory()
    config = resolve_pack_config(
        policy_config_from_directory(directory, directory.user("release-bot"))
    )
    recipients = [
        "platform-team",
        "sre-oncall",
        {"name": "partner-ops", "realm": "partner-realm"},
    ]
    message = announcement_message(**{**ARGUMENTS, "recipients": recipients})
    resource = inbox_resource(
        INBOX_MESSAGE_TYPE,
        "urn:pulumi:dev::example::gotham:index:ReleaseAnnouncement$"
        "pulumi-python:dynamic/gotham:InboxMessage::release-message",
        "release-message",
        {"message": message},
    )
    assert resource is not None

    assert evaluate([resource], config, StackContext(stack="dev")) == []
    # The same check does flag an announcement the example directory would refuse.
    secret = announcement_message(**{**ARGUMENTS, "markings": ["SECRET"]})
    flagged = inbox_resource(
        INBOX_MESSAGE_TYPE, resource.urn, "release-message", {"message": secret}
    )
    assert flagged is not None
    assert {v.policy for v in evaluate([flagged], config, StackContext(stack="dev"))} == {
        "inbox-markings"
    }

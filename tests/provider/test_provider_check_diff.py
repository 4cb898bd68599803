"""The provider's check and diff: property paths, unknown values, what replaces and what not.

Neither needs credentials: previews and checks run before anyone configured a token.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pulumi.output import Unknown
from pulumi.runtime import rpc

from gotham_inbox.providers import checks
from gotham_inbox.providers.provider import InboxMessageBatchProvider, InboxMessageProvider
from gotham_inbox.unknowns import unknown_paths
from tests.provider.provider_support import MESSAGE, message, with_id


@pytest.fixture(autouse=True)
def no_gotham_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GOTHAM_HOSTNAME", "GOTHAM_TOKEN", "GOTHAM_CLIENT_ID", "GOTHAM_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def single_failures(data: Any) -> dict[str, str]:
    result = InboxMessageProvider().check({}, {"message": data, "__provider": "p"})
    assert result.inputs == {"message": data, "__provider": "p"}
    return {failure.property: failure.reason for failure in result.failures}


def batch_failures(data: Any) -> dict[str, str]:
    result = InboxMessageBatchProvider().check({}, {"messages": data, "__provider": "p"})
    return {failure.property: failure.reason for failure in result.failures}


# --- check ----------------------------------------------------------------------------------


def test_a_valid_message_passes_check_without_any_credentials() -> None:
    assert single_failures(with_id()) == {}
    assert batch_failures([with_id(), with_id()]) == {}


def test_check_names_the_message_property_path_and_what_to_fix() -> None:
    failures = single_failures(
        with_id(
            message(
                title={"value": 7},
                sender={"displayname": "bot"},
            )
        )
    )
    assert failures == {
        "message.title.value": "must be a string; got int",
        "message.sender.displayName": "required field 'displayName' is missing; add it",
        "message.sender.displayname": (
            "unknown field 'displayname'; did you mean 'displayName'? remove it "
            "(allowed here: displayName)"
        ),
    }


def test_check_reports_markings_and_recipients_rules() -> None:
    failures = single_failures(
        with_id(message(groupRecipients=[], security={"portionMarkings": []}))
    )
    assert failures == {
        "message.groupRecipients": "no recipients; add at least one group recipient",
        "message.security.portionMarkings": (
            "no portion markings; add at least one marking (e.g. UNCLASSIFIED)"
        ),
    }


def test_check_requires_a_source_id_so_a_retry_can_never_send_twice() -> None:
    failures = single_failures(message())
    assert list(failures) == ["message.sourceId"]
    assert "providers.InboxMessage" in failures["message.sourceId"]
    assert "must be a UUID" in single_failures(with_id(source_id="not-a-uuid"))["message.sourceId"]


def test_check_reports_a_missing_or_non_object_message() -> None:
    result = InboxMessageProvider().check({}, {"__provider": "p"})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("message", "required input 'message' is missing; pass message=...")
    ]
    assert single_failures("hello") == {"message": "must be an object; got str"}


def test_batch_failures_name_the_message_index_and_field() -> None:
    shared = str(uuid.uuid4())
    failures = batch_failures(
        [
            with_id(source_id=shared),
            with_id(),
            with_id(message(groupRecipients=[{"realm": "partner-realm"}])),
            with_id(source_id=shared.upper()),
        ]
    )
    assert failures == {
        "messages[2].groupRecipients[0].name": "required field 'name' is missing; add it",
        "messages[3].sourceId": (
            "the same sourceId as messages[0]; every message needs its own sourceId (remove it "
            "to get a derived one, or choose another UUID)"
        ),
    }


def test_batch_must_be_a_non_empty_list() -> None:
    assert batch_failures([]) == {"messages": "the batch is empty; add at least one message"}
    assert batch_failures({"a": 1}) == {"messages": "must be a list of messages; got dict"}
    assert InboxMessageBatchProvider().check({}, {"__provider": "p"}).failures[0].property == (
        "messages"
    )


# The provider host hands unknown values over as Unknown objects; in-process, the SDK uses
# a sentinel string. Both must be recognised.
UNKNOWN = Unknown()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("unknown", [UNKNOWN, rpc.UNKNOWN])
def test_a_wholly_unknown_input_is_not_checked(unknown: Any) -> None:
    assert single_failures(unknown) == {}
    assert batch_failures(unknown) == {}
    assert single_diff(with_id(), unknown) == (True, ["message"])


def test_unknown_values_in_a_preview_are_not_problems() -> None:
    assert single_failures(UNKNOWN) == {}
    assert batch_failures(UNKNOWN) == {}
    assert batch_failures([UNKNOWN, with_id()]) == {}
    partly_unknown = with_id(message(groupRecipients=UNKNOWN, title={"valeu": "typo"}))
    assert set(single_failures(partly_unknown)) == {"message.title.valeu", "message.title.value"}
    assert single_failures(message(sourceId=UNKNOWN)) == {}


def test_check_reports_instead_of_raising_when_validation_itself_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(_inputs: dict[str, Any]) -> list[Any]:
        raise RuntimeError("validator exploded")

    monkeypatch.setattr("gotham_inbox.providers.provider.check_single", broken)
    monkeypatch.setattr("gotham_inbox.providers.provider.check_batch", broken)
    assert single_failures(with_id()) == {"message": "could not be checked: validator exploded"}
    assert batch_failures([with_id()]) == {"messages": "could not be checked: validator exploded"}


def test_unknown_paths_are_found_at_any_depth() -> None:
    value = {"a": [1, UNKNOWN], "b": {"c": rpc.UNKNOWN}}
    assert unknown_paths(value, unknown=checks.is_unknown) == ["a[1]", "b.c"]
    assert checks.contains_unknown(value)
    assert not checks.contains_unknown(MESSAGE)


# --- diff -----------------------------------------------------------------------------------


def single_diff(old: Any, new: Any) -> tuple[bool | None, list[str] | None]:
    # The engine passes the recorded OUTPUTS as olds, so they carry status etc. too.
    olds = {"message": old, "status": "sent", "sourceId": "x", "__provider": "p"}
    result = InboxMessageProvider().diff("id", olds, {"message": new, "__provider": "p2"})
    if result.changes:
        assert result.delete_before_replace is False
    return result.changes, result.replaces


def test_an_unchanged_message_has_no_diff_even_spelled_differently() -> None:
    sent = with_id()
    reordered = {key: sent[key] for key in reversed(list(sent))}
    nulls = {**sent, "groupRecipients": [{"name": "platform-team", "realm": None}]}
    upper = {**sent, "sourceId": sent["sourceId"].upper()}
    for same in (sent, reordered, nulls, upper):
        assert single_diff(sent, same) == (False, None)


@pytest.mark.parametrize(
    "change",
    [
        {"title": {"value": "release 4.3 is live"}},
        {"body": None},
        {"groupRecipients": [{"name": "platform-team", "realm": "palantir-internal-realm"}]},
        {"security": {"portionMarkings": ["SENSITIVE"]}},
        {"sender": {"displayName": "someone else"}},
    ],
)
def test_any_change_to_what_would_be_sent_replaces(change: dict[str, Any]) -> None:
    sent = with_id()
    changed = {**with_id(message(**change)), "sourceId": sent["sourceId"]}
    assert single_diff(sent, changed) == (True, ["message"])


def test_a_new_source_id_or_an_unknown_message_replaces() -> None:
    sent = with_id()
    assert single_diff(sent, {**sent, "sourceId": str(uuid.uuid4())}) == (True, ["message"])
    assert single_diff(sent, UNKNOWN) == (True, ["message"])
    assert single_diff(None, sent) == (True, ["message"])


def batch_diff(old: Any, new: Any) -> tuple[bool | None, list[str] | None]:
    olds = {"messages": old, "statuses": ["sent"], "__provider": "p"}
    result = InboxMessageBatchProvider().diff("id", olds, {"messages": new, "__provider": "p"})
    return result.changes, result.replaces


def test_batch_diff_replaces_on_any_message_change_or_reorder_only() -> None:
    first, second = with_id(), with_id()
    assert batch_diff([first, second], [dict(reversed(list(first.items()))), second]) == (
        False,
        None,
    )
    assert batch_diff([first, second], [second, first]) == (True, ["messages"])
    assert batch_diff([first, second], [first]) == (True, ["messages"])
    assert batch_diff([first], [first, second]) == (True, ["messages"])
    retitled = {**second, "title": {"value": "changed"}}
    assert batch_diff([first, second], [first, retitled]) == (True, ["messages"])
    assert batch_diff([first, second], [first, UNKNOWN]) == (True, ["messages"])

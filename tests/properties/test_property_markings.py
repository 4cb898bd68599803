"""Property 5, markings: a message without markings, with an unknown marking or with one the
caller is not cleared for is always flagged (mandatory) and always refused by the server. A
recipient group that cannot read a message is always flagged (``inbox-recipients-can-read``),
exactly that recipient, while the server delivers the message: the flag is advice, not a
refusal, so it never stops a deploy the server would accept.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox.policy.violation import EnforcementLevel
from tests.properties.property_support import CALLER, Verdicts, flags, judge, objects_to

MARKINGS = "inbox-markings"
READERS = "inbox-recipients-can-read"

# Every way a message's markings can be wrong for the server: the directory rules, and the
# field breakages that leave it without markings.
MARKING_BREAKAGES = [
    *gs.breakage_names(gs.BreakageKind.MARKING),
    "no markings",
    "missing security",
    "missing security.portionMarkings",
]


def broken_markings(
    data: st.DataObject, directory: dict[str, Any], breakage: str
) -> dict[str, Any]:
    message = data.draw(gs.valid_messages_for(directory, CALLER), label="valid message")
    if not gs.kind_of(breakage).needs_directory:
        return gs.break_field(message, breakage)
    return data.draw(gs.break_directory_rule(directory, breakage, message, CALLER), label=breakage)


@given(
    directory=gs.directories(caller=CALLER, restricted_caller=True),
    breakage=st.sampled_from(MARKING_BREAKAGES),
    data=st.data(),
)
def test_missing_unknown_and_over_clearance_markings_are_flagged_and_refused(
    directory: dict[str, Any], breakage: str, data: st.DataObject
) -> None:
    batch = data.draw(
        st.lists(gs.valid_messages_for(directory, CALLER), max_size=2), label="other messages"
    )
    index = data.draw(st.integers(0, len(batch)), label="position")
    batch.insert(index, broken_markings(data, directory, breakage))
    labels = ["valid"] * len(batch)
    labels[index] = breakage
    verdicts = judge(directory, list(zip(labels, batch, strict=True)))

    assert any(
        violation.is_mandatory
        for violation in verdicts.policy.about(index=index, field=f"messages[{index}].security")
    ), verdicts.report
    assert objects_to(verdicts.server, index, "security"), verdicts.report
    assert verdicts.stored == []
    if breakage == "marking over the caller's clearance":
        # Gotham's only marking error (its use for clearance is assumed; docs/errors.md).
        assert flags(verdicts.policy, MARKINGS, index, "security.portionMarkings"), verdicts.report
        assert verdicts.server.status_code == 400, verdicts.report
        assert verdicts.server.error_name == "InvalidMessagePortionMarkings", verdicts.report
    elif breakage.startswith("missing"):
        # A required field left out: Conjure's builders refuse it (assumed name).
        assert verdicts.server.status_code == 400, verdicts.report
        assert verdicts.server.error_name == "Default:InvalidArgument", verdicts.report
    else:
        assert verdicts.server.status_code == 400, verdicts.report
        assert verdicts.server.error_name == "InvalidMessagePortionMarkings", verdicts.report
    event(f"{breakage}: {verdicts.server.status_code}")


def unreadable_positions(directory: dict[str, Any], message: dict[str, Any]) -> set[int]:
    """The recipients whose group's clearance lacks one of the message's markings."""
    caller_realm = gs.caller_of(directory, CALLER)["realm"]
    markings = set(message["security"]["portionMarkings"])
    positions = set()
    for position, recipient in enumerate(message["groupRecipients"]):
        realm = recipient.get("realm", caller_realm)
        (group,) = [
            g for g in directory["groups"] if g["name"] == recipient["name"] and g["realm"] == realm
        ]
        if not markings <= set(gs.clearance_of(directory, group)):
            positions.add(position)
    return positions


def judged_unreadable_batch(
    data: st.DataObject, directory: dict[str, Any]
) -> tuple[int, list[dict[str, Any]], Verdicts]:
    """A valid batch with one message some recipient cannot read; its position; the verdicts."""
    batch = data.draw(
        st.lists(gs.valid_messages_for(directory, CALLER), max_size=2), label="other messages"
    )
    index = data.draw(st.integers(0, len(batch)), label="position")
    unreadable = data.draw(gs.unreadable_messages_for(directory, CALLER), label="unreadable")
    batch.insert(index, unreadable)
    labels = ["valid"] * len(batch)
    labels[index] = gs.UNREADABLE
    return index, batch, judge(directory, list(zip(labels, batch, strict=True)))


def readability_flags(verdicts: Verdicts, index: int) -> list[Any]:
    return verdicts.policy.about(index=index, policy=READERS)


@given(directory=gs.directories(caller=CALLER, restricted_group=True), data=st.data())
def test_recipients_who_cannot_read_a_message_are_flagged_and_the_server_delivers_it(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    index, batch, verdicts = judged_unreadable_batch(data, directory)

    expected = {
        f"messages[{index}].groupRecipients[{p}]"
        for p in unreadable_positions(directory, batch[index])
    }
    assert expected, "the strategy made no recipient unable to read the message"
    assert {v.field for v in readability_flags(verdicts, index)} == expected, verdicts.report
    assert verdicts.server.accepted_in_full(len(batch)), verdicts.report


@given(directory=gs.directories(caller=CALLER, restricted_group=True), data=st.data())
def test_a_recipient_who_cannot_read_a_message_is_only_advice(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    index, batch, verdicts = judged_unreadable_batch(data, directory)

    assert verdicts.server.accepted_in_full(len(batch)), verdicts.report
    levels = {violation.level for violation in readability_flags(verdicts, index)}
    assert levels == {EnforcementLevel.ADVISORY}, verdicts.report
    # Advice only: nothing stops the deploy of a batch the server accepts in full.
    assert not verdicts.policy.blocks, verdicts.report

"""Property 4, the realm rule: a recipient without a realm is looked up in the caller's realm.

Naming, without a realm, a group that lives only in another realm is always flagged by
``inbox-realm-requirements`` and always refused by the server; giving the group's realm fixes
both. A realm that does not hold the group, and a group that does not exist, are likewise
always flagged and refused.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from tests.properties.property_support import CALLER, flags, judge, objects_to

REALMS = "inbox-realm-requirements"


def valid_batch(data: st.DataObject, directory: dict[str, Any]) -> list[dict[str, Any]]:
    return data.draw(
        st.lists(gs.valid_messages_for(directory, CALLER), min_size=1, max_size=3),
        label="valid batch",
    )


@given(directory=gs.directories(caller=CALLER, foreign_group=True), data=st.data())
def test_a_group_of_another_realm_needs_its_realm_and_giving_it_fixes_both(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    batch = valid_batch(data, directory)
    index = data.draw(st.integers(0, len(batch) - 1), label="message")
    recipients = batch[index]["groupRecipients"]
    position = data.draw(st.integers(0, len(recipients) - 1), label="recipient")
    group = data.draw(st.sampled_from(gs.foreign_groups(directory, CALLER)), label="group")
    labels = ["valid"] * len(batch)

    recipients[position] = {"name": group["name"]}
    labels[index] = "recipient without realm, group in another realm"
    without = judge(directory, list(zip(labels, batch, strict=True)))
    assert flags(without.policy, REALMS, index, f"groupRecipients[{position}].realm"), (
        without.report
    )
    assert without.server.status_code == 400, without.report
    assert objects_to(without.server, index, f"groupRecipients[{position}]"), without.report
    assert without.stored == []

    recipients[position] = {"name": group["name"], "realm": group["realm"]}
    labels[index] = "the same, with the group's realm"
    fixed = judge(directory, list(zip(labels, batch, strict=True)))
    assert fixed.policy.about(policy=REALMS) == [], fixed.report
    assert fixed.server.accepted_in_full(len(batch)), fixed.report


@given(directory=gs.directories(caller=CALLER), data=st.data())
def test_a_realm_without_the_group_and_an_unknown_group_are_flagged_and_refused(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    batch = valid_batch(data, directory)
    index = data.draw(st.integers(0, len(batch) - 1), label="message")
    breakage, batch[index] = data.draw(
        gs.directory_broken_messages_for(
            directory,
            CALLER,
            breakages=["recipient realm without that group", "unknown group"],
        ),
        label="broken message",
    )
    labels = ["valid"] * len(batch)
    labels[index] = breakage
    verdicts = judge(directory, list(zip(labels, batch, strict=True)))
    broken_positions = [
        position
        for position, recipient in enumerate(batch[index]["groupRecipients"])
        if not any(
            group["name"] == recipient["name"]
            and group["realm"] == recipient.get("realm", gs.caller_of(directory, CALLER)["realm"])
            for group in directory["groups"]
        )
    ]
    assert broken_positions, "the strategy broke no recipient"
    for position in broken_positions:
        assert flags(verdicts.policy, REALMS, index, f"groupRecipients[{position}]"), (
            verdicts.report
        )
        assert objects_to(verdicts.server, index, f"groupRecipients[{position}]"), verdicts.report
    assert verdicts.server.status_code == 400, verdicts.report
    assert verdicts.stored == []

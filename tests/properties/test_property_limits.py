"""Property 7, the directory's Inbox limits: the policies, configured by ``gotham-inbox
policy-config`` from a directory with a ``limits:`` block, refuse exactly what the emulator
serving that directory refuses, at every limit's boundary.

Every example draws a directory with limits of its own (small, or left to the emulator's
defaults) and messages exactly at a limit or one past it (recipients per message, title and
body length), or a batch of exactly ``max_messages_per_request`` messages or one more. A
boundary off by one on either side (``>`` for ``>=``) fails these properties.
"""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import assume, event, given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox.directory import parse_directory
from gotham_inbox.emulator.app import DEFAULT_MAX_BODY_BYTES
from gotham_inbox.verdicts import InProcessEmulator, PolicyChecker
from gotham_inbox.verdicts._server_verdict import IN_PROCESS_BASE_URL
from tests.properties.property_support import CALLER, flags, judge, objects_to

MESSAGE_VALID = "inbox-message-valid"
BATCH_ATOMICITY = "inbox-batch-atomicity"

# The field each limit label is about, as policies and server name it.
_FIELDS = {"recipients": "groupRecipients", "title": "title.value", "body": "body.value"}

# No sourceId: a duplicate one is a half-sent batch, another property's business.
NO_SOURCE_IDS = {"with_source_id": st.just(False)}


def request_bytes(messages: list[Any]) -> int:
    """The size of the request body that sends ``messages``, as httpx (the verdicts') encodes it."""
    return len(httpx.Request("POST", IN_PROCESS_BASE_URL, json={"messages": messages}).content)


@st.composite
def directories_with_limits(draw: st.DrawFn) -> dict[str, Any]:
    """Generated directories (every kind) with a ``limits:`` block."""
    return draw(
        gs.directories(
            caller=CALLER,
            limits=True,
            foreign_group=draw(st.booleans()),
            restricted_caller=draw(st.booleans()),
        )
    )


@given(directory=directories_with_limits(), data=st.data())
def test_a_message_at_a_limit_passes_both_and_one_past_is_refused_by_both(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    # Within the request limit: a batch past it is the last property's business.
    most = min(3, gs.limits_of(directory)["max_messages_per_request"])
    labelled = data.draw(
        st.lists(
            gs.limit_straddling_messages_for(directory, CALLER, **NO_SOURCE_IDS)
            | gs.valid_messages_for(directory, CALLER, **NO_SOURCE_IDS).map(
                lambda message: (gs.VALID, message)
            ),
            min_size=1,
            max_size=most,
        ),
        label="batch",
    )
    # Within the request's byte limit too (assumed, and no policy's business: the policies
    # check fields, not request sizes): at the default body limit, two bodies of characters
    # JSON escapes to six bytes each pass it.
    assume(request_bytes([message for _, message in labelled]) <= DEFAULT_MAX_BODY_BYTES)
    verdicts = judge(directory, labelled)
    policy, server = verdicts.policy, verdicts.server
    past = {index for index, (label, _) in enumerate(labelled) if label.endswith("one past")}
    event("one past a limit" if past else "within every limit")
    for index, (label, _) in enumerate(labelled):
        what = label.split(" ", 1)[0]
        if label in gs.LIMIT_LABELS:
            field = _FIELDS[what]
            said = (flags(policy, MESSAGE_VALID, index, field), objects_to(server, index, field))
            expected = (index in past, index in past)
            assert said == expected, f"{label}: (policy, server) said {said}\n{verdicts.report}"
    # The whole verdict agrees: the batch is blocked exactly when the server refuses it, and
    # a refused batch is named refused whole, at each message past a limit.
    assert policy.blocks == (not server.accepted), verdicts.report
    assert (policy.mandatory_indexes - {None}) == past, verdicts.report
    atomic = {v.message_index for v in policy.about(policy=BATCH_ATOMICITY) if v.is_mandatory}
    assert atomic == past, verdicts.report
    if server.accepted:
        assert server.accepted_in_full(len(labelled)), verdicts.report


@given(directory=directories_with_limits(), data=st.data())
def test_one_message_alone_is_refused_by_both_exactly_past_a_limit(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    label, message = data.draw(
        gs.limit_straddling_messages_for(directory, CALLER, **NO_SOURCE_IDS), label="message"
    )
    loaded = parse_directory(directory)
    policy = PolicyChecker.for_directory(loaded, CALLER).check_message(message)
    with InProcessEmulator(loaded, CALLER) as emulator:
        server = emulator.send([message])
    event(label)
    assert policy.blocks == label.endswith("one past"), policy.lines()
    assert server.accepted == label.endswith("at the limit"), server.lines()


@given(directory=directories_with_limits(), data=st.data())
def test_a_batch_of_max_messages_per_request_is_sent_and_one_more_is_refused_whole(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    limit = data.draw(st.integers(1, 4), label="max_messages_per_request")
    directory = {**directory, "limits": {**directory["limits"], "max_messages_per_request": limit}}
    size = data.draw(gs.batch_sizes_around(limit), label="batch size")
    batch = data.draw(
        st.lists(
            gs.valid_messages_for(directory, CALLER, **NO_SOURCE_IDS),
            min_size=size,
            max_size=size,
        ),
        label="batch",
    )
    verdicts = judge(directory, [(gs.VALID, message) for message in batch])
    event(f"size - limit = {size - limit}")
    refused_whole = [
        violation
        for violation in verdicts.policy.about(policy=BATCH_ATOMICITY, field="messages")
        if violation.is_mandatory and violation.message_index is None
    ]
    assert bool(refused_whole) == (size > limit), verdicts.report
    assert verdicts.policy.blocks == (size > limit), verdicts.report
    assert verdicts.server.accepted == (size <= limit), verdicts.report
    if size <= limit:
        assert verdicts.server.accepted_in_full(size), verdicts.report

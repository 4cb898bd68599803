"""Property 3, atomicity: a refused batch changes nothing on the server; a batch with conflicts
stores exactly the messages that do not conflict, and the provider reports exactly those.

Every example starts a fresh emulator holding some messages whose sourceIds come from the
same small pool as the batch's, so conflicts with stored messages and inside the batch (in
either letter case) are common.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox._retry import RetryPolicy
from gotham_inbox.directory import parse_directory
from gotham_inbox.providers.provider import InboxMessageBatchProvider, InboxProviderError
from gotham_inbox.providers.settings import ProviderSettings
from gotham_inbox.verdicts import InProcessEmulator, PolicyChecker
from tests.properties.property_support import CALLER, directories_of_every_kind, judge

NO_WAITING = RetryPolicy(sleep=lambda _seconds: None, jitter=False)


def stored_first(
    data: st.DataObject, directory: dict[str, Any], pool: list[str]
) -> list[dict[str, Any]]:
    """Valid messages already on the server, each with a sourceId from ``pool``."""
    # Stored by one request, so no more than the directory's limit allows in one.
    most = gs.limits_of(directory)["max_messages_per_request"]
    ids = data.draw(
        st.lists(st.sampled_from(pool), unique=True, max_size=most), label="already stored"
    )
    return [
        {**data.draw(gs.valid_messages_for(directory, CALLER)), "sourceId": source_id}
        for source_id in ids
    ]


def key(message: Any) -> str | None:
    """A message's sourceId as the server compares them (UUIDs ignore letter case)."""
    if isinstance(message, dict) and isinstance(message.get("sourceId"), str):
        return str(message["sourceId"]).lower()
    return None


@given(directory=directories_of_every_kind(), data=st.data())
def test_a_refused_batch_changes_nothing_and_conflicts_store_exactly_the_rest(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    pool = data.draw(gs.source_id_pools(max_size=4), label="sourceId pool")
    already = stored_first(data, directory, pool)
    labelled = data.draw(
        st.lists(
            gs.labelled_messages_for(
                directory, CALLER, source_id_values=gs.colliding_source_ids(pool)
            ),
            min_size=1,
            max_size=4,
        ),
        label="batch",
    )
    verdicts = judge(directory, labelled, already_stored=already)
    server, stored = verdicts.server, verdicts.stored
    before, after = stored[: len(already)], stored[len(already) :]
    assert [record["sourceId"] for record in before] == [key(m) for m in already]

    if not server.accepted:
        event("refused")
        assert after == [], verdicts.report
        return

    seen = {key(message) for message in already}
    expected_sent: list[str] = []
    expected_conflicts: list[str] = []
    expected_bodies: list[Any] = []
    for index, message in enumerate(verdicts.batch):
        # A message without a sourceId gets a new one: the next in the answer's responses.
        source_id = key(message) or server.sent[len(expected_sent)]
        if source_id in seen:
            expected_conflicts.append(source_id)
            # A conflict inside the batch is the policies' business: a half-sent batch.
            if any(key(earlier) == source_id for earlier in verdicts.batch[:index]):
                assert any(
                    v.is_mandatory and v.policy == "inbox-batch-atomicity"
                    for v in verdicts.policy.about(index=index, field=f"messages[{index}].sourceId")
                ), verdicts.report
        else:
            seen.add(source_id)
            expected_sent.append(source_id)
            expected_bodies.append(message)
    event("accepted with conflicts" if expected_conflicts else "accepted in full")
    assert list(server.sent) == expected_sent, verdicts.report
    assert list(server.conflicts) == expected_conflicts, verdicts.report
    assert [record["sourceId"] for record in after] == expected_sent, verdicts.report
    assert [record["message"] for record in after] == expected_bodies, verdicts.report


@given(directory=directories_of_every_kind(), data=st.data())
def test_the_provider_reports_exactly_the_messages_the_server_stored(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    pool = data.draw(gs.source_id_pools(max_size=4), label="sourceId pool")
    already = stored_first(data, directory, pool)
    # What the resource classes hand the provider: every message has a sourceId of its own.
    messages = data.draw(
        st.lists(
            gs.valid_messages_for(
                directory,
                CALLER,
                with_source_id=st.just(True),
                source_id_values=gs.colliding_source_ids(pool),
            ),
            min_size=1,
            # One request: a batch over the directory's limit is refused (property 7's case).
            max_size=min(4, gs.limits_of(directory)["max_messages_per_request"]),
        ),
        label="batch",
    )
    # What the provider's check insists on: no two messages of a batch share a sourceId.
    messages = [m for i, m in enumerate(messages) if key(m) not in map(key, messages[:i])]
    refused = data.draw(st.booleans(), label="one message breaks a directory rule")
    if refused:
        index = data.draw(st.integers(0, len(messages) - 1), label="broken message")
        breakage = data.draw(st.sampled_from(gs.directory_breakages_for(directory, CALLER)))
        messages[index] = data.draw(
            gs.break_directory_rule(directory, breakage, messages[index], CALLER),
            label=breakage,
        )
    loaded = parse_directory(directory)
    policy = PolicyChecker.for_directory(loaded, CALLER).check_batch(messages)
    note("batch: " + json.dumps(messages, ensure_ascii=False))
    note("policies: " + "\n          ".join(policy.lines()))
    with InProcessEmulator(loaded, CALLER) as emulator:
        assert emulator.send(already).accepted_in_full(len(already))
        provider = InboxMessageBatchProvider()
        provider.use_settings(
            ProviderSettings(
                hostname=emulator.base_url,
                token=emulator.token_for(CALLER),
                realm=loaded.user(CALLER).realm,
                transport=emulator.transport,
                retry=NO_WAITING,
            )
        )
        assert provider.check({}, {"messages": messages}).failures == []
        if refused:
            with pytest.raises(InboxProviderError, match="Nothing was sent"):
                provider.create({"messages": messages})
            outputs = None
        else:
            outputs = provider.create({"messages": messages}).outs
        stored = emulator.messages()

    new = stored[len(already) :]
    note(f"provider: {outputs or 'refused'}; server stored {[r['sourceId'] for r in stored]}")
    if outputs is None:
        event("refused")
        assert new == []
        assert policy.blocks, "the server refused a batch the policies let through"
        return
    ids = [key(message) for message in messages]
    already_ids = {key(message) for message in already}
    assert outputs["sourceIds"] == ids
    assert outputs["statuses"] == ["adopted" if i in already_ids else "sent" for i in ids]
    reported_sent = [i for i, s in zip(ids, outputs["statuses"], strict=True) if s == "sent"]
    assert [record["sourceId"] for record in new] == reported_sent
    event("some adopted" if already_ids & set(ids) else "all sent")

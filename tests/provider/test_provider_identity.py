"""Deterministic sourceIds: what changes the id, and what must not."""

from __future__ import annotations

import copy
import uuid

from gotham_inbox.models import parse_message
from gotham_inbox.source_ids import (
    SOURCE_ID_NAMESPACE,
    canonical_json,
    canonical_message,
    derive_source_id,
    with_source_id,
)
from tests.provider.provider_support import MESSAGE, message

BASE = ("proj", "dev", "release")


def test_the_id_is_a_uuid5_in_the_project_namespace_and_stable() -> None:
    source_id = derive_source_id(*BASE, MESSAGE)
    assert uuid.UUID(source_id).version == 5
    assert derive_source_id(*BASE, copy.deepcopy(MESSAGE)) == source_id
    # Fixed forever: a change here would make every deployed message send again.
    assert str(SOURCE_ID_NAMESPACE) == str(
        uuid.uuid5(uuid.NAMESPACE_URL, "urn:gotham-inbox:source-id:v1")
    )


def test_spelling_that_does_not_change_what_is_sent_does_not_change_the_id() -> None:
    source_id = derive_source_id(*BASE, MESSAGE)
    reordered = {key: MESSAGE[key] for key in reversed(list(MESSAGE))}
    nulls = {**MESSAGE, "groupRecipients": [{"name": "platform-team", "realm": None}]}
    assert derive_source_id(*BASE, reordered) == source_id
    assert derive_source_id(*BASE, nulls) == source_id
    assert derive_source_id(*BASE, parse_message(MESSAGE)) == source_id
    # An existing sourceId is not part of the content.
    assert derive_source_id(*BASE, {**MESSAGE, "sourceId": str(uuid.uuid4())}) == source_id


def test_every_part_of_the_identity_and_content_changes_the_id() -> None:
    ids = {
        derive_source_id(*BASE, MESSAGE),
        derive_source_id("other-proj", "dev", "release", MESSAGE),
        derive_source_id("proj", "prod", "release", MESSAGE),
        derive_source_id("proj", "dev", "other", MESSAGE),
        derive_source_id(*BASE, MESSAGE, 0),
        derive_source_id(*BASE, MESSAGE, 1),
        derive_source_id(*BASE, message(title={"value": "release 4.3 is live"})),
        derive_source_id(*BASE, message(body=None)),
        derive_source_id(*BASE, message(security={"portionMarkings": ["SENSITIVE"]})),
        derive_source_id(*BASE, message(groupRecipients=[{"name": "platform-team", "realm": "x"}])),
    }
    assert len(ids) == 10


def test_an_invalid_message_still_gets_a_stable_id() -> None:
    bad = {"title": {"valeu": "typo"}, "sender": None}
    assert derive_source_id(*BASE, bad) == derive_source_id(*BASE, {"title": {"valeu": "typo"}})
    assert canonical_message(bad) == {"title": {"valeu": "typo"}}


def test_with_source_id_keeps_the_users_id_and_adds_a_derived_one_otherwise() -> None:
    own = str(uuid.uuid4())
    assert with_source_id({**MESSAGE, "sourceId": own}, *BASE)["sourceId"] == own
    derived = with_source_id({**MESSAGE, "sourceId": None}, *BASE, index=2)
    assert derived == {**MESSAGE, "sourceId": derive_source_id(*BASE, MESSAGE, 2)}
    assert with_source_id("not a message", *BASE) == "not a message"


def test_canonical_json_ignores_key_order() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == canonical_json(
        {"a": [1, {"c": 3, "d": 2}], "b": 1}
    )

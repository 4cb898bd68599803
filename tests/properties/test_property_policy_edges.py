"""The policies at their edges, with the shipped edge-value strategies.

Each property pins a boundary a one-character slip would move: ``maxBatchSize`` (``>`` not
``>=``), the marking ceiling (``>`` not ``>=``), ``callerClearance: []`` (cleared for nothing,
not "unchecked"), a recipient realm ``""`` (given, not omitted), the policy's ``callerRealm``
over the stack's ``gotham:realm``; and the secret scan's pre-filter, which must never change the
answer of running every pattern.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox.policy import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    InboxResource,
    StackContext,
    evaluate,
    resolve_pack_config,
)
from gotham_inbox.policy.content import DEFAULT_SECRET_PATTERNS, SecretPattern, SecretScan

REALM = "home-realm"
ALLOWED = ["UNCLASSIFIED", "SENSITIVE", "SECRET", "TOPSECRET"]


def wire(index: int = 0, *, realm: str | None = None, markings: list[str] | None = None) -> Any:
    recipient: dict[str, str] = {"name": "team"}
    if realm is not None:
        recipient["realm"] = realm
    return {
        "groupRecipients": [recipient],
        "sender": {"displayName": "bot"},
        "title": {"value": f"message {index}"},
        "security": {"portionMarkings": markings or ["UNCLASSIFIED"]},
        "sourceId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"edges/{index}")),
    }


def single(data: Any) -> InboxResource:
    return InboxResource(INBOX_MESSAGE_TYPE, "urn:pulumi:dev::p::m::one", "one", {"message": data})


def findings(
    resources: list[InboxResource], policy_config: dict[str, Any], **context: Any
) -> list[tuple[str, str]]:
    found = evaluate(resources, resolve_pack_config(policy_config), StackContext(**context))
    return [(violation.policy, violation.text) for violation in found]


KNOWN_TEAM = {"groups": [{"name": "team", "realm": REALM}]}


@given(limit=st.integers(1, 6), data=st.data())
def test_a_batch_is_oversize_exactly_when_it_has_more_than_max_batch_size(
    limit: int, data: st.DataObject
) -> None:
    size = data.draw(gs.batch_sizes_around(limit), label="size")
    batch = InboxResource(
        INBOX_MESSAGE_BATCH_TYPE,
        "urn:pulumi:dev::p::b::batch",
        "batch",
        {"messages": [wire(index, realm=REALM) for index in range(size)]},
    )
    found = findings([batch], {"inbox-batch-atomicity": {"maxBatchSize": limit}})
    oversize = [text for policy, text in found if "more than maxBatchSize" in text]
    assert bool(oversize) == (size > limit), found


@given(data=st.data(), allowed=st.lists(gs.portion_markings(), min_size=1, max_size=5, unique=True))
def test_a_marking_is_over_the_ceiling_exactly_when_it_ranks_above_it(
    data: st.DataObject, allowed: list[str]
) -> None:
    marking, ceiling = data.draw(gs.marking_and_ceiling(allowed), label="marking, ceiling")
    config = {"inbox-markings": {"allowedMarkings": allowed, "stackMaxMarkings": {"dev": ceiling}}}
    found = findings([single(wire(realm=REALM, markings=[marking]))], config, stack="dev")
    over = [text for policy, text in found if "above the ceiling" in text]
    assert bool(over) == (allowed.index(marking) > allowed.index(ceiling)), found


@given(data=st.data())
def test_an_empty_caller_clearance_clears_nothing_and_an_omitted_one_is_not_checked(
    data: st.DataObject,
) -> None:
    clearance = data.draw(gs.caller_clearances(ALLOWED), label="callerClearance")
    marking = data.draw(st.sampled_from(ALLOWED), label="marking")
    config: dict[str, Any] = {"inbox-markings": {"allowedMarkings": ALLOWED}}
    if clearance is not None:
        config["inbox-markings"]["callerClearance"] = clearance
    found = findings([single(wire(realm=REALM, markings=[marking]))], config)
    refused = [text for policy, text in found if "not cleared for marking" in text]
    assert bool(refused) == (clearance is not None and marking not in clearance), found


@given(realm=gs.recipient_realms())
def test_an_empty_realm_is_a_realm_no_group_lives_in_not_an_omitted_one(
    realm: str | None,
) -> None:
    # team lives in the caller's realm: omitted or REALM is fine, anything else (even "") is not.
    config = {"inbox-realm-requirements": {"callerRealm": REALM, **KNOWN_TEAM}}
    found = findings([single(wire(realm=realm))], config)
    wrong = [text for policy, text in found if policy == "inbox-realm-requirements"]
    assert bool(wrong) == (realm not in (None, REALM)), (realm, found)


@given(stack_realm=st.one_of(st.none(), st.just(REALM), gs.realm_names()))
def test_the_policy_configs_caller_realm_wins_over_the_stacks_gotham_realm(
    stack_realm: str | None,
) -> None:
    config = {
        "inbox-realm-requirements": {"callerRealm": REALM, **KNOWN_TEAM},
        # Only the realm rule is judged here: the others have no directory, on purpose.
        "inbox-markings": {"missingDirectory": "ignore"},
        "inbox-recipients-can-read": {"missingDirectory": "ignore"},
    }
    stack_config = {} if stack_realm is None else {"gotham:realm": stack_realm}
    found = findings([single(wire(realm=None))], config, config=stack_config)
    assert found == []


@given(text=gs.texts_with_credentials())
def test_the_pre_filtered_scan_gives_the_answer_of_running_every_pattern(text: str) -> None:
    built_in = [
        SecretPattern(name=name, pattern=pattern) for name, pattern in DEFAULT_SECRET_PATTERNS
    ]
    every_pattern = [name for name, pattern in DEFAULT_SECRET_PATTERNS if re.search(pattern, text)]
    assert SecretScan(built_in).leaks(text) == every_pattern


@given(sample=gs.credential_samples())
def test_every_built_in_credential_pattern_is_found(sample: tuple[str, str]) -> None:
    name, text = sample
    built_in = [
        SecretPattern(name=item, pattern=pattern) for item, pattern in DEFAULT_SECRET_PATTERNS
    ]
    assert name in SecretScan(built_in).leaks(f"see {text} here")

"""The client against a misbehaving emulator: for each fault, how many messages Gotham holds,
what the caller is told, and whether sending again is safe.

The rule under test (gotham_inbox/_retry.py): a request is re-sent only on an answer that proves
nothing was processed (429, a refused connection), or when it is idempotent: every message
carries a sourceId AND the host was seen to honour sourceIds. Under the ``ignore`` and
``reject`` modes nothing is ever idempotent, so no retry can deliver a message twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gotham_inbox import InboxClient, OutcomeUnknownError, RetryPolicy, TokenAuth
from gotham_inbox._delivery import Delivery, HostMemory
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from gotham_inbox.errors import GothamAPIError, InternalServerError

AFTER_COMMIT = ["error-after-commit", "unavailable-after-commit", "drop-after-commit", "slow"]


def message(source_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "release-bot"},
        "title": {"value": f"deployed {uuid.uuid4()}"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
    }
    if source_id is not None:
        body["sourceId"] = source_id
    return body


@dataclass
class Waits:
    """The client's sleeps, recorded instead of slept."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, wait: float) -> None:
        self.seconds.append(wait)


@dataclass
class Caller:
    emulator: RunningEmulator
    client: InboxClient
    waits: Waits

    def deliver(self, *messages: dict[str, Any]) -> Delivery:
        return self.client.deliver(list(messages), source_ids="auto")

    def held(self) -> int:
        return len(self.emulator.messages())

    def warm_up(self) -> None:
        """One clean send with an id, so the client learns what the host does with ids."""
        self.deliver(message(str(uuid.uuid4())))


@pytest.fixture(params=["honour", "ignore", "reject"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _caller(emulator: RunningEmulator) -> Iterator[Caller]:
    waits = Waits()
    retry = RetryPolicy(max_attempts=4, jitter=False, sleep=waits)
    client = InboxClient(
        emulator.base_url,
        auth=TokenAuth(emulator.token_for("release-bot")),
        retry=retry,
        timeout=0.5,
        memory=HostMemory(),
    )
    with client:
        yield Caller(emulator, client, waits)


@pytest.fixture
def caller(gotham_emulator: RunningEmulator) -> Iterator[Caller]:
    yield from _caller(gotham_emulator)


@pytest.fixture
def moded(mode: str) -> Iterator[Caller]:
    with running_emulator(source_ids=mode) as emulator:
        yield from _caller(emulator)


# -- before processing: nothing was done -----------------------------------------------------


def test_429_is_retried_after_retry_after_and_delivers_once(caller: Caller) -> None:
    caller.emulator.faults.add("throttle", times=2, retry_after=2)
    delivery = caller.deliver(message())
    assert [result.status for result in delivery.results] == ["sent"]
    assert caller.waits.seconds == [2.0, 2.0]
    assert caller.held() == 1


def test_429_with_an_http_date_is_honoured_too(caller: Caller) -> None:
    caller.emulator.faults.add("throttle", times=1, retry_after=3, retry_after_date=True)
    caller.deliver(message())
    (wait,) = caller.waits.seconds
    assert 1.0 <= wait <= 3.0
    assert caller.held() == 1


def test_a_503_is_not_proof_nothing_was_done_so_without_idempotency_it_is_not_retried(
    caller: Caller,
) -> None:
    caller.emulator.faults.add("unavailable", times=1)
    with pytest.raises(InternalServerError) as refused:
        caller.deliver(message())
    assert refused.value.status_code == 503
    assert caller.waits.seconds == []
    assert caller.held() == 0  # here the emulator did nothing; a proxy's 503 may follow work
    assert caller.deliver(message()).results[0].status == "sent"  # sending again is safe


def test_a_503_is_retried_when_the_request_is_idempotent(caller: Caller) -> None:
    caller.warm_up()
    caller.emulator.faults.add("unavailable", times=1)
    delivery = caller.deliver(message(str(uuid.uuid4())))
    assert [result.status for result in delivery.results] == ["sent"]
    assert caller.held() == 2


# -- after commit: the messages are in Gotham, the answer is bad -----------------------------


@pytest.mark.parametrize("kind", AFTER_COMMIT)
def test_after_commit_without_ids_the_caller_is_told_the_outcome_is_unknown_and_nothing_is_resent(
    caller: Caller, kind: str
) -> None:
    caller.emulator.faults.add(kind, times=1, delay=1.5)
    with pytest.raises((OutcomeUnknownError, GothamAPIError)) as caught:
        caller.deliver(message(), message())
    if isinstance(caught.value, GothamAPIError):
        assert caught.value.status_code >= 500
    else:
        assert "may or may not have been sent" in str(caught.value)
    assert caller.waits.seconds == [], "a retry could have delivered both messages again"
    assert caller.held() == 2, "the messages were delivered once, not twice"


@pytest.mark.parametrize("kind", AFTER_COMMIT)
def test_after_commit_an_idempotent_request_is_resent_and_comes_back_as_a_conflict(
    caller: Caller, kind: str
) -> None:
    caller.warm_up()
    caller.emulator.faults.add(kind, times=1, delay=1.5)
    source_id = str(uuid.uuid4())
    delivery = caller.deliver(message(source_id))
    (result,) = delivery.results
    assert (result.status, result.reason, result.server_id) == (
        "conflict",
        "CONFLICTING_SOURCE_ID",
        source_id,
    )
    assert len(caller.waits.seconds) == 1
    assert [record["sourceId"] for record in caller.emulator.messages()][1:] == [source_id]


def test_the_issue_case_503_after_commit_without_source_ids_stores_one_copy(
    caller: Caller,
) -> None:
    # Tried before the fix: a proxy answering 503 after forwarding made the client store three
    # copies of a message without sourceId (one per attempt).
    caller.emulator.faults.add("unavailable-after-commit", times=3)
    with pytest.raises(InternalServerError):
        caller.deliver(message())
    assert caller.held() == 1


def test_an_unknown_conflict_is_reported_as_not_sent(caller: Caller) -> None:
    caller.warm_up()
    caller.emulator.faults.add("unknown-conflict", times=1)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    delivery = caller.deliver(message(first), message(second))
    assert [(r.status, r.reason) for r in delivery.results] == [
        ("conflict", "UNKNOWN"),
        ("sent", None),
    ]
    assert caller.held() == 2  # the warm-up and the second message
    again = caller.deliver(message(first))  # sending the first again is safe: it is not there
    assert again.results[0].status == "sent"
    assert caller.held() == 3


# -- the other sourceId modes: nothing is ever sent twice by a retry -------------------------


@pytest.mark.parametrize("kind", AFTER_COMMIT)
def test_under_every_source_id_mode_a_retry_never_delivers_twice(
    moded: Caller, mode: str, kind: str
) -> None:
    moded.warm_up()
    before = moded.held()
    moded.emulator.faults.add(kind, times=1, delay=1.5)
    try:
        moded.deliver(message(str(uuid.uuid4())))
    except (OutcomeUnknownError, GothamAPIError):
        assert mode != "honour", "an idempotent request is recovered by its retry"
    else:
        assert mode == "honour", "only an honouring host makes a retry safe"
    assert moded.held() - before == 1, f"{mode}: delivered exactly once"

"""The provider through both front doors (the SDK's real dynamic-provider host and the gotham
plugin), against a misbehaving emulator.

For each fault: how many messages Gotham (the emulator) holds, what the engine (the user) is
told, and what running the create again does. The host, its gRPC driving and the program that
registers the resources are the protocol tests' own (host_support.py, plugin_support.py,
protocol_support.py; the ``door`` fixture is in conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.provider.host_support import Host
from tests.provider.plugin_support import FrontDoor
from tests.provider.protocol_support import (
    create,
    refused_create,
    registered_inputs,
    stack_config,
)
from tests.provider.provider_support import RecordingMocks


def fresh_ids(inputs: dict[str, Any]) -> dict[str, Any]:
    """The same resource inputs with new sourceIds (another message of the same shape)."""
    if "message" in inputs:
        return {**inputs, "message": {**inputs["message"], "sourceId": str(uuid.uuid4())}}
    messages = [{**item, "sourceId": str(uuid.uuid4())} for item in inputs["messages"]]
    return {**inputs, "messages": messages}


@pytest.fixture
def registered(use_mocks: Callable[..., RecordingMocks]) -> dict[str, dict[str, Any]]:
    return registered_inputs(use_mocks)


@pytest.fixture
def inputs(door: FrontDoor, registered: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: door.inputs(resource) for name, resource in registered.items()}


@pytest.fixture(params=["honour"])
def emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    with running_emulator(source_ids=request.param) as running:
        yield running


@pytest.fixture
def host(door: FrontDoor, emulator: RunningEmulator) -> Host:
    return door.start(stack_config(emulator, emulator.token_for("release-bot")))


def test_throttling_is_waited_out_and_the_message_sent_once(
    host: Host,
    emulator: RunningEmulator,
    inputs: dict[str, dict[str, Any]],
    door: FrontDoor,
) -> None:
    emulator.faults.add("throttle", times=2, retry_after=0.1)
    outputs = create(host, door.message_type, "release", inputs["release"])
    assert outputs["status"] == "sent"
    assert len(emulator.messages()) == 1
    assert emulator.faults.injected == ["throttle", "throttle"]


def test_a_503_after_commit_on_a_fresh_host_is_reported_as_unknown_and_a_rerun_adopts(
    host: Host,
    emulator: RunningEmulator,
    inputs: dict[str, dict[str, Any]],
    door: FrontDoor,
) -> None:
    emulator.faults.add("unavailable-after-commit", times=1)
    details = refused_create(host, door.message_type, "release", inputs["release"])
    assert "HTTP 503" in details
    assert "may or may not have been delivered" in details
    assert "Nothing was sent" not in details
    assert len(emulator.messages()) == 1, "delivered once; not re-sent, as no honour was seen"
    # Re-running is in fact safe on a host that honours sourceIds: the message is adopted.
    assert create(host, door.message_type, "release", inputs["release"])["status"] == "adopted"
    assert len(emulator.messages()) == 1


def test_a_dropped_answer_after_commit_is_recovered_once_honour_was_seen(
    host: Host,
    emulator: RunningEmulator,
    inputs: dict[str, dict[str, Any]],
    door: FrontDoor,
) -> None:
    # The host learns ids are honoured.
    create(host, door.message_type, "release", inputs["release"])
    emulator.faults.add("drop-after-commit", times=1)
    outputs = create(host, door.batch_type, "launch", inputs["launch"])
    assert outputs["statuses"] == ["adopted", "adopted"]  # the retry found both already there
    assert len(emulator.messages()) == 3
    assert emulator.faults.injected == ["drop-after-commit"]


def test_an_unknown_conflict_names_the_unsent_message_and_a_rerun_completes_the_batch(
    host: Host,
    emulator: RunningEmulator,
    inputs: dict[str, dict[str, Any]],
    door: FrontDoor,
    registered: dict[str, dict[str, Any]],
) -> None:
    emulator.faults.add("unknown-conflict", times=1)
    details = refused_create(host, door.batch_type, "launch", inputs["launch"])
    assert "1 of 2 message(s) were not sent" in details
    assert "UNKNOWN" in details
    first, second = (item["sourceId"] for item in registered["launch"]["messages"])
    assert [record["sourceId"] for record in emulator.messages()] == [second]
    outputs = create(host, door.batch_type, "launch", inputs["launch"])
    assert outputs["statuses"] == ["sent", "adopted"]
    assert sorted(record["sourceId"] for record in emulator.messages()) == sorted([first, second])


@pytest.mark.parametrize("emulator", ["ignore", "reject"], indirect=True)
@pytest.mark.parametrize("kind", ["error-after-commit", "drop-after-commit"])
def test_when_ids_are_not_honoured_a_fault_after_commit_is_never_resent(
    host: Host,
    emulator: RunningEmulator,
    inputs: dict[str, dict[str, Any]],
    door: FrontDoor,
    kind: str,
) -> None:
    create(host, door.message_type, "release", inputs["release"])  # the host learns what ids do
    emulator.faults.add(kind, times=1)
    details = refused_create(host, door.message_type, "again", fresh_ids(inputs["release"]))
    assert "nothing protects against a second delivery" in details
    assert "check whether the recipients received them" in details
    assert len(emulator.messages()) == 2, "the faulted message is there exactly once"

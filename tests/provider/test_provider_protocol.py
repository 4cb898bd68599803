"""Protocol level: both front doors of the provider, driven over gRPC as the engine does.

A program runs under Pulumi's mocks and registers the resources. The dynamic door: the
``__provider`` it serialised is handed, with the registered inputs, to ``python -u -m
pulumi.dynamic`` (the host the engine starts), which unpickles the provider and calls
``configure`` with the stack config sent in ``Configure``. The plugin door: the same messages,
declared without sourceIds as a YAML or TypeScript program does, go to ``pulumi-resource-gotham``.
Each runs Check, Diff, Create, Read and Delete; the emulator shows what was sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.provider.host_support import Host, from_struct, secret, to_struct
from tests.provider.plugin_support import FrontDoor
from tests.provider.protocol_support import (
    BATCH_TYPE,
    MESSAGE_TYPE,
    create,
    refused_create,
    registered_inputs,
    stack_config,
    urn,
)
from tests.provider.provider_support import SECRET_TOKEN, RecordingMocks


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with running_emulator() as running:
        yield running


def test_the_engine_lifecycle_through_the_real_dynamic_provider_host(
    use_mocks: Callable[..., RecordingMocks],
    door: FrontDoor,
    emulator: RunningEmulator,
) -> None:
    registered = registered_inputs(use_mocks)["release"]
    inputs = door.inputs(registered)
    host = door.start(stack_config(emulator, emulator.token_for("release-bot")))
    name = urn(door.message_type, "release")

    # Check, valid: no failures; the message comes back with the sourceId the Python program
    # derives (the plugin derives the same one from the URN and the content).
    checked = host.stub.Check(
        provider_pb2.CheckRequest(urn=name, olds=to_struct({}), news=to_struct(inputs)),
        timeout=30,
    )
    assert list(checked.failures) == []
    assert from_struct(checked.inputs)["message"] == registered["message"]
    if door.name == "dynamic":
        assert from_struct(checked.inputs) == inputs

    # Check, invalid: the failure names the property path.
    broken = {**inputs, "message": {**inputs["message"], "title": {"valeu": "typo"}}}
    failures = host.stub.Check(
        provider_pb2.CheckRequest(urn=name, olds=to_struct({}), news=to_struct(broken)),
        timeout=30,
    ).failures
    assert {(f.property, f.reason.split(";")[0]) for f in failures} == {
        ("message.title.value", "required field 'value' is missing"),
        ("message.title.valeu", "unknown field 'valeu'"),
    }

    # Check during a preview: an unknown message is not a failure.
    preview = {**inputs, "message": rpc.UNKNOWN}
    assert (
        list(
            host.stub.Check(
                provider_pb2.CheckRequest(urn=name, olds=to_struct({}), news=to_struct(preview)),
                timeout=30,
            ).failures
        )
        == []
    )

    # Create: sent, and the emulator holds exactly this message.
    created = host.stub.Create(
        provider_pb2.CreateRequest(urn=name, properties=checked.inputs), timeout=60
    )
    outputs = from_struct(created.properties)
    assert created.id == registered["message"]["sourceId"]
    assert outputs["status"] == "sent"
    assert outputs["sourceId"] == registered["message"]["sourceId"]
    assert outputs.get("__provider") == inputs.get("__provider")
    (record,) = emulator.messages()
    assert record["message"] == registered["message"]
    assert record["caller"] == "release-bot"

    # Diff against the recorded outputs: unchanged -> none; new title -> replace.
    same = host.stub.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=name, olds=created.properties, news=checked.inputs
        ),
        timeout=30,
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    retitled = {**inputs, "message": {**inputs["message"], "title": {"value": "new title"}}}
    changed = host.stub.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=name, olds=created.properties, news=to_struct(retitled)
        ),
        timeout=30,
    )
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(changed.replaces) == ["message"]
    assert changed.deleteBeforeReplace is False

    # Read (refresh): the recorded state is kept.
    read = host.stub.Read(
        provider_pb2.ReadRequest(
            id=created.id, urn=name, properties=created.properties, inputs=checked.inputs
        ),
        timeout=30,
    )
    assert read.id == created.id
    assert from_struct(read.properties) == outputs

    # A create repeated after a crash (state never recorded): adopted, not sent twice.
    again = host.stub.Create(
        provider_pb2.CreateRequest(urn=name, properties=checked.inputs), timeout=60
    )
    assert from_struct(again.properties)["status"] == "adopted"
    assert len(emulator.messages()) == 1

    # Delete: forgotten by Pulumi, the message stays in Gotham.
    host.stub.Delete(
        provider_pb2.DeleteRequest(id=created.id, urn=name, properties=created.properties),
        timeout=30,
    )
    assert [r["sourceId"] for r in emulator.messages()] == [created.id]

    # The token went in through Configure only: nothing the host answered or logged has it.
    token = emulator.token_for("release-bot").encode()
    answers = (checked, created, same, changed, read, again)
    assert all(token not in answer.SerializeToString() for answer in answers)
    assert token.decode() not in host.stderr()


def test_a_batch_through_the_host_is_one_request_with_ids_in_order(
    use_mocks: Callable[..., RecordingMocks],
    door: FrontDoor,
    emulator: RunningEmulator,
) -> None:
    registered = registered_inputs(use_mocks)["launch"]
    inputs = door.inputs(registered)
    host = door.start(stack_config(emulator, emulator.token_for("release-bot")))
    name = urn(door.batch_type, "launch")

    bad = {**inputs, "messages": [inputs["messages"][0], {"title": {"value": "x"}}]}
    failures = host.stub.Check(
        provider_pb2.CheckRequest(urn=name, olds=to_struct({}), news=to_struct(bad)), timeout=30
    ).failures
    assert "messages[1].groupRecipients" in {f.property for f in failures}

    outputs = create(host, door.batch_type, "launch", inputs)
    expected_ids = [m["sourceId"] for m in registered["messages"]]
    assert outputs["sourceIds"] == expected_ids
    assert outputs["statuses"] == ["sent", "sent"]
    assert [r["sourceId"] for r in emulator.messages()] == expected_ids


def test_a_refused_create_through_the_host_never_shows_the_token(
    use_mocks: Callable[..., RecordingMocks],
    door: FrontDoor,
    emulator: RunningEmulator,
) -> None:
    inputs = door.inputs(registered_inputs(use_mocks)["release"])
    host = door.start(stack_config(emulator, SECRET_TOKEN))
    details = refused_create(host, door.message_type, "release", inputs)
    assert "HTTP 401" in details
    assert "Nothing was sent." in details
    assert SECRET_TOKEN not in details
    assert SECRET_TOKEN not in host.stderr()
    assert emulator.messages() == []


def test_missing_hostname_through_the_host_names_the_key(
    use_mocks: Callable[..., RecordingMocks],
    door: FrontDoor,
) -> None:
    inputs = door.inputs(registered_inputs(use_mocks)["release"])
    host = door.start({"gotham:token": secret(SECRET_TOKEN)})
    details = refused_create(host, door.message_type, "release", inputs)
    assert "gotham:hostname is not set" in details
    assert "GOTHAM_HOSTNAME" in details
    assert SECRET_TOKEN not in details


def test_a_token_with_a_line_break_through_the_host_is_refused_and_never_shown(
    use_mocks: Callable[..., RecordingMocks],
    door: FrontDoor,
    emulator: RunningEmulator,
) -> None:
    # A token copied from a wrapped file: httpx used to echo the whole header in its error.
    wrapped = "s3cr3t-token-value\nline2-of-the-token"
    inputs = door.inputs(registered_inputs(use_mocks)["release"])
    host = door.start(stack_config(emulator, wrapped))
    details = refused_create(host, door.message_type, "release", inputs)
    assert "gotham:token" in details and "control character" in details
    assert "Nothing was sent." in details
    everything = details + host.stderr()
    for piece in ("s3cr3t-token-value", "line2-of-the-token"):
        assert piece not in everything
    assert emulator.messages() == []


def test_a_misspelt_stack_setting_fails_every_check_through_the_host(
    use_mocks: Callable[..., RecordingMocks],
    start_host: Callable[[dict[str, Any]], Host],
    emulator: RunningEmulator,
) -> None:
    # gotham:hostnme would be ignored and the first error would come at `pulumi up`; the
    # provider's check fails the preview instead, naming the key and the likely one.
    inputs = registered_inputs(use_mocks)
    config = stack_config(emulator, emulator.token_for("release-bot"))
    config["gotham:hostnme"] = config.pop("gotham:hostname")
    host = start_host(config)
    for type_, name in ((MESSAGE_TYPE, "release"), (BATCH_TYPE, "launch")):
        failures = host.stub.Check(
            provider_pb2.CheckRequest(
                urn=urn(type_, name), olds=to_struct({}), news=to_struct(inputs[name])
            ),
            timeout=30,
        ).failures
        assert [(failure.property, failure.reason.split(";")[0]) for failure in failures] == [
            (
                "",
                "stack config gotham:hostnme is not a gotham-inbox setting, so the provider "
                "would ignore it",
            )
        ]
        assert "did you mean 'gotham:hostname'?" in failures[0].reason
    # Keys of other namespaces (aws:region in the config) are not ours to judge.

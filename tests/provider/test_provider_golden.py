"""State recorded in the field keeps working: the golden ``__provider`` values, in the real host.

``golden/provider-references.json`` holds the ``__provider`` values gotham-inbox records in
stack state, byte for byte. The SDK's dynamic-provider host (``python -u -m pulumi.dynamic``, as
the engine starts it, in a project folder outside this checkout) must still unpickle each one
and serve Check, Diff, Create, Read and Delete with it. The values recorded before the
resources moved to ``gotham_inbox.providers`` no longer load (what a user of an old stack sees),
and ``gotham-inbox migrate-state``'s rewrite of them is exactly the current value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2

from gotham_inbox.distribution.state_migration import migrated_provider
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from gotham_inbox.providers import provider
from tests.provider.host_support import Host, from_struct, secret, to_struct
from tests.provider.provider_support import message, with_id

GOLDEN = json.loads((Path(__file__).parent / "golden" / "provider-references.json").read_text())
CURRENT: dict[str, str] = GOLDEN["current"]
TOP_LEVEL_PROVIDERS: dict[str, str] = GOLDEN["top-level providers"]
TYPES = {
    "InboxMessageProvider": "pulumi-python:dynamic/gotham:InboxMessage",
    "InboxMessageBatchProvider": "pulumi-python:dynamic/gotham:InboxMessageBatch",
}


def urn(class_name: str) -> str:
    return f"urn:pulumi:dev::user-project::{TYPES[class_name]}::golden"


def inputs_for(class_name: str, provider_value: str) -> dict[str, Any]:
    """Inputs as state records them: the message(s), with sourceIds, and ``__provider``."""
    if class_name == "InboxMessageProvider":
        return {"message": with_id(), "__provider": provider_value}
    second = with_id(message(title={"value": "second"}))
    return {"messages": [with_id(), second], "__provider": provider_value}


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture
def user_project(tmp_path: Path) -> Path:
    """A project folder outside this checkout: the host's working directory."""
    return tmp_path


def host_for(start_host: Callable[..., Host], emulator: RunningEmulator, cwd: Path) -> Host:
    config = {
        "gotham:hostname": emulator.base_url,
        "gotham:token": secret(emulator.token_for("release-bot")),
        "gotham:realm": "palantir-internal-realm",
    }
    return start_host(config, cwd)


@pytest.mark.parametrize("class_name", sorted(CURRENT))
def test_this_version_records_exactly_the_golden_value(class_name: str) -> None:
    # A different value means a new module path in every stack's state: such a change needs a
    # migration (as migrate-state is for the old path), never a regenerated golden file.
    assert serialize_provider(getattr(provider, class_name)()) == CURRENT[class_name]


@pytest.mark.parametrize("class_name", sorted(CURRENT))
def test_the_golden_value_serves_check_diff_create_read_delete_in_the_host(
    class_name: str,
    start_host: Callable[..., Host],
    emulator: RunningEmulator,
    user_project: Path,
) -> None:
    host = host_for(start_host, emulator, user_project)
    inputs = inputs_for(class_name, CURRENT[class_name])
    name = urn(class_name)

    checked = host.stub.Check(
        provider_pb2.CheckRequest(urn=name, olds=to_struct({}), news=to_struct(inputs)), timeout=30
    )
    assert list(checked.failures) == []

    created = host.stub.Create(
        provider_pb2.CreateRequest(urn=name, properties=checked.inputs), timeout=60
    )
    outputs = from_struct(created.properties)
    assert outputs["__provider"] == CURRENT[class_name]
    sent = [record["sourceId"] for record in emulator.messages()]
    declared = [inputs["message"]] if "message" in inputs else inputs["messages"]
    assert sent == [item["sourceId"] for item in declared]

    same = host.stub.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=name, olds=created.properties, news=checked.inputs
        ),
        timeout=30,
    )
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    changed_inputs = inputs_for(class_name, CURRENT[class_name])
    changed = host.stub.Diff(
        provider_pb2.DiffRequest(
            id=created.id, urn=name, olds=created.properties, news=to_struct(changed_inputs)
        ),
        timeout=30,
    )
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(changed.replaces) in (["message"], ["messages"])

    read = host.stub.Read(
        provider_pb2.ReadRequest(id=created.id, urn=name, properties=created.properties),
        timeout=30,
    )
    assert from_struct(read.properties) == outputs
    host.stub.Delete(
        provider_pb2.DeleteRequest(id=created.id, urn=name, properties=created.properties),
        timeout=30,
    )
    assert len(emulator.messages()) == len(declared)  # deleting recalls nothing, sends nothing


@pytest.mark.parametrize("class_name", sorted(TOP_LEVEL_PROVIDERS))
def test_an_old_top_level_providers_value_fails_in_the_host_until_migrated(
    class_name: str,
    start_host: Callable[..., Host],
    emulator: RunningEmulator,
    user_project: Path,
) -> None:
    host = host_for(start_host, emulator, user_project)
    old = inputs_for(class_name, TOP_LEVEL_PROVIDERS[class_name])
    name = urn(class_name)
    state = {**old, "status": "sent"}

    # What `pulumi destroy` (or the delete half of a replace) hits on an old stack.
    with pytest.raises(grpc.RpcError) as failure:
        host.stub.Delete(
            provider_pb2.DeleteRequest(id="old", urn=name, properties=to_struct(state)), timeout=30
        )
    assert "No module named 'providers'" in str(failure.value.details())

    migrated = migrated_provider(TOP_LEVEL_PROVIDERS[class_name])
    assert migrated == CURRENT[class_name]
    host.stub.Delete(
        provider_pb2.DeleteRequest(
            id="old", urn=name, properties=to_struct({**state, "__provider": migrated})
        ),
        timeout=30,
    )
    assert emulator.messages() == []

"""The resources' inputs and the stack config the protocol and fault tests give the SDK's
dynamic-provider host, and Create through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.runtime.proto import provider_pb2

from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.providers import InboxMessage, InboxMessageBatch
from tests.provider.host_support import Host, from_struct, secret, to_struct
from tests.provider.provider_support import MESSAGE, RecordingMocks, message

PROJECT, STACK = "inbox-project", "dev"
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"


def urn(type_: str, name: str) -> str:
    """The URN of resource ``name`` of type ``type_`` in the test stack."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def registered_inputs(use_mocks: Callable[..., RecordingMocks]) -> dict[str, dict[str, Any]]:
    """Run a program under mocks; the inputs (``__provider`` included) of each resource."""
    mocks = use_mocks(project=PROJECT, stack=STACK)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[Any]:
        single = InboxMessage("release", message=MESSAGE)
        batch = InboxMessageBatch("launch", messages=[MESSAGE, message(title={"value": "second"})])
        return pulumi.Output.all(single.urn, batch.urn)

    program()
    return {args.name: args.inputs for args in mocks.registered}


def stack_config(emulator: RunningEmulator, token: str) -> dict[str, Any]:
    """The stack config the engine sends in ``Configure``: the emulator, ``token`` as a secret."""
    return {
        "gotham:hostname": emulator.base_url,
        "gotham:token": secret(token),
        "gotham:realm": "palantir-internal-realm",
        "aws:region": "ignored-by-us",
    }


def create(host: Host, type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Check, then create the resource through the host, as the engine does; its outputs."""
    checked = host.stub.Check(
        provider_pb2.CheckRequest(urn=urn(type_, name), olds=to_struct({}), news=to_struct(inputs)),
        timeout=30,
    )
    assert list(checked.failures) == []
    created = host.stub.Create(
        provider_pb2.CreateRequest(urn=urn(type_, name), properties=checked.inputs),
        timeout=60,
    )
    return from_struct(created.properties)


def refused_create(host: Host, type_: str, name: str, inputs: dict[str, Any]) -> str:
    """Create the resource through the host, which must refuse it; what the engine is told."""
    with pytest.raises(grpc.RpcError) as caught:
        create(host, type_, name, inputs)
    return caught.value.details() or ""

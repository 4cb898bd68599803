"""6. The provider: 200 ``InboxMessage`` creates through the dynamic-provider host over gRPC.

The resources are declared by a program run under Pulumi's mocks in this process (so each
carries the ``__provider`` the SDK serialised, as it would in state); ``python -u -m
pulumi.dynamic``, the host the engine starts, gets Configure with the stack config (emulator
URL, token as a secret) and then Check and Create per resource, as the engine sends them. The
same creates run in this process, through the provider object directly, for comparison.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import httpx
import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from bench import workload
from bench.report import Section
from bench.served import ADMIN_HEADERS, served_emulator
from bench.timing import side_by_side
from gotham_inbox.providers import InboxMessage
from gotham_inbox.providers.provider import InboxMessageProvider
from gotham_inbox.providers.settings import ProviderSettings

NAME = "provider"
RESOURCES = 200
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"


PROFILE_NOTE = (
    "No target was set for this benchmark, but 37 messages/s was far below what the emulator "
    "takes. Profile (pyinstrument, `python -m bench --profile provider`), before the fix: 72% "
    "of a create was `SSLContext.load_verify_locations`: every create built a new "
    "`InboxClient`, and httpx loads the whole CA trust store for each new client, even for "
    "http. Fixed in `providers/provider.py`: a configured provider keeps one client and every "
    "create of the host reuses it (and its kept-alive connection); configuring again drops "
    "it, and it is never pickled. Measured back to back with this bench, before (commit "
    "040514e) and after: 34 messages/s (Check "
    "+ Create through the host) and 37 (in process) before, 252 and 796 after."
)


class _Recording(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def declared_inputs(count: int) -> dict[str, dict[str, Any]]:
    """The registered inputs (``__provider`` included) of ``count`` InboxMessage resources."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    mocks = _Recording()
    pulumi.runtime.set_mocks(mocks, project=workload.PROJECT, stack=workload.STACK, preview=False)
    messages = workload.messages(count, seed=6, source_ids=False)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> pulumi.Output[Any]:
        declared = [InboxMessage(f"notice-{i}", message=m) for i, m in enumerate(messages)]
        return pulumi.Output.all(*[resource.urn for resource in declared])

    try:
        program()
    finally:
        pulumi.runtime.settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
    return mocks.inputs


def to_struct(properties: dict[str, Any]) -> struct_pb2.Struct:
    """Properties serialised as the engine sends them."""
    loop = asyncio.new_event_loop()
    try:
        struct: struct_pb2.Struct = loop.run_until_complete(
            rpc.serialize_properties(properties, {})
        )
        return struct
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as the engine reads them back."""
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


@contextmanager
def provider_host(config: dict[str, Any]) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """``python -u -m pulumi.dynamic`` configured with ``config``, and a stub to it."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("GOTHAM_")}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environ,
    )
    assert process.stdout is not None
    port = int(process.stdout.readline().decode().strip())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(
            provider_pb2.ConfigureRequest(args=to_struct(config), acceptSecrets=True), timeout=30
        )
        yield stub
    finally:
        channel.close()
        process.terminate()
        process.communicate(timeout=30)


def _urn(name: str) -> str:
    return workload.urn(MESSAGE_TYPE, name)


def run(quick: bool = False) -> Section:
    """Run benchmark 6."""
    started = time.perf_counter()
    repeats = 2 if quick else 5
    section = Section(
        6,
        "Provider: 200 InboxMessage creates through the dynamic-provider host",
        f"{RESOURCES} `InboxMessage` resources declared under mocks, then, per resource, "
        "Check and Create over gRPC to `python -u -m pulumi.dynamic` (one after another), which "
        "sends each message to a `gotham-inbox emulator` (in-memory store) in its own process. "
        "*In process* calls `InboxMessageProvider().create()` directly with the same settings: "
        "no host, no gRPC. The emulator is emptied before every round, so every create sends. "
        f"Host and in-process rounds alternate, {repeats} rounds each; medians.",
        ("what", "median s per 200", "runs s", "messages/s", "ms per resource", "vs in process"),
    )
    inputs = declared_inputs(RESOURCES)
    names = sorted(inputs, key=lambda name: int(name.rsplit("-", 1)[1]))
    structs = {name: to_struct(inputs[name]) for name in names}
    with served_emulator() as base_url:
        secret = {rpc._special_sig_key: rpc._special_secret_sig, "value": workload.token()}
        config = {
            "gotham:hostname": base_url,
            "gotham:token": secret,
            "gotham:realm": workload.REALM,
        }
        in_process = InboxMessageProvider()
        in_process.use_settings(
            ProviderSettings(hostname=base_url, token=workload.token(), realm=workload.REALM)
        )
        outputs: dict[str, Any] = {}

        def clear() -> None:
            httpx.delete(
                f"{base_url}/emulator/messages", headers=ADMIN_HEADERS, timeout=30
            ).raise_for_status()

        with provider_host(config) as stub:

            def through_host(_: object) -> None:
                for name in names:
                    checked = stub.Check(
                        provider_pb2.CheckRequest(
                            urn=_urn(name), olds=to_struct({}), news=structs[name]
                        ),
                        timeout=60,
                    )
                    created = stub.Create(
                        provider_pb2.CreateRequest(urn=_urn(name), properties=checked.inputs),
                        timeout=60,
                    )
                    outputs[name] = created.properties

            def create_only(_: object) -> None:
                for name in names:
                    stub.Create(
                        provider_pb2.CreateRequest(urn=_urn(name), properties=structs[name]),
                        timeout=60,
                    )

            def directly(_: object) -> None:
                for name in names:
                    props = {k: v for k, v in inputs[name].items() if k != "__provider"}
                    in_process.create(props)

            samples = side_by_side(
                {
                    "host: Check + Create per resource": through_host,
                    "host: Create only": create_only,
                    "in process: create()": directly,
                },
                repeats,
                setups={
                    "host: Check + Create per resource": clear,
                    "host: Create only": clear,
                    "in process: create()": clear,
                },
            )
    baseline = samples["in process: create()"].median
    for label, measured in samples.items():
        section.rows.append(
            (
                label,
                f"{measured.median:.2f}",
                measured.spread,
                f"{RESOURCES / measured.median:,.0f}",
                f"{measured.median / RESOURCES * 1000:.2f}",
                f"{measured.median / baseline:.2f}x",
            )
        )
    first = from_struct(outputs[names[0]])
    if first.get("status") != "sent":
        raise RuntimeError(f"a bench create did not send: {first.get('status')}")
    provider = inputs[names[0]]["__provider"]
    state = {key: value for key, value in first.items()}
    section.notes.append(
        f"Serialised provider in state: `__provider` is {len(provider)} characters of base64 "
        f"({len(base64.b64decode(provider))} bytes of dill: the class, by reference, no "
        f"settings), the same for every resource. One resource's outputs in state, "
        f"`__provider` included, are {len(json.dumps(state))} bytes of JSON."
    )
    section.notes.append(PROFILE_NOTE)
    section.seconds = time.perf_counter() - started
    return section

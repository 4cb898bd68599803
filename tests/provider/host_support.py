"""The SDK's dynamic-provider host (``python -u -m pulumi.dynamic``), driven over gRPC.

The engine starts this host for every dynamic provider; the tests start it the same way, hand
it properties serialised as the engine does, and read its answers back.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc


def to_struct(properties: dict[str, Any]) -> struct_pb2.Struct:
    """Properties as the engine sends them (secrets and unknowns included)."""
    # A private loop, as the host does: asyncio.run would unset the loop Pulumi's mocks use.
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(properties, {}))
    finally:
        loop.close()


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as the host answered them, unknowns kept."""
    return dict(rpc.deserialize_properties(struct, keep_unknowns=True))


def secret(value: str) -> dict[str, str]:
    """A secret config value as the engine sends it: Pulumi's secret wrapper."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


@dataclass
class Host:
    """A running ``python -m pulumi.dynamic`` and a gRPC stub to it."""

    process: subprocess.Popen[bytes]
    stub: provider_pb2_grpc.ResourceProviderStub

    def stderr(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=30)
        return err.decode()


DYNAMIC_HOST = (sys.executable, "-u", "-m", "pulumi.dynamic")
"""The command the engine runs for a dynamic provider."""


def dynamic_configure(config: dict[str, Any]) -> provider_pb2.ConfigureRequest:
    """Configure as the engine sends it to the dynamic-provider host: the whole stack config."""
    return provider_pb2.ConfigureRequest(args=to_struct(config), acceptSecrets=True)


def host_starter(
    command: Sequence[str] = DYNAMIC_HOST,
    configure: Callable[[dict[str, Any]], provider_pb2.ConfigureRequest] = dynamic_configure,
) -> Iterator[Callable[[dict[str, Any]], Host]]:
    """Start providers (``command``: the dynamic-provider host by default) configured with the
    given stack config; stops them when resumed (a fixture)."""
    started: list[tuple[subprocess.Popen[bytes], grpc.Channel]] = []

    def start(config: dict[str, Any], cwd: Path | None = None) -> Host:
        # No GOTHAM_* variables: everything must arrive through Configure.
        environ = {k: v for k, v in os.environ.items() if not k.startswith("GOTHAM_")}
        process = subprocess.Popen(
            list(command),
            # The engine starts the host in the project's folder (default: this test's).
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environ,
        )
        assert process.stdout is not None
        port = int(process.stdout.readline().decode().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        started.append((process, channel))
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        stub.Configure(configure(config), timeout=30)
        return Host(process, stub)

    yield start
    for process, channel in started:
        channel.close()
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=30)

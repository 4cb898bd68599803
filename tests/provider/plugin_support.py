"""The gotham provider plugin (``pulumi-resource-gotham``), started and driven over gRPC as the
engine does, beside the SDK's dynamic-provider host (``host_support``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import provider_pb2

from tests.provider.host_support import Host, host_starter, to_struct

PLUGIN = Path(sys.executable).parent / "pulumi-resource-gotham"
"""The console script ``pip install gotham-inbox`` installs beside the interpreter."""

PLUGIN_MESSAGE_TYPE = "gotham:index:InboxMessage"
PLUGIN_BATCH_TYPE = "gotham:index:InboxMessageBatch"


def plain_config(config: dict[str, Any]) -> dict[str, str]:
    """The config as Configure's ``variables``: plain strings, secrets unwrapped."""
    result = {}
    for key, value in config.items():
        result[key] = value["value"] if isinstance(value, dict) else str(value)
    return result


def plugin_configure(config: dict[str, Any]) -> provider_pb2.ConfigureRequest:
    """Configure as the engine sends it to the plugin: this package's keys, namespaced in
    ``variables`` and bare (secrets wrapped) in ``args``."""
    ours = {key: value for key, value in config.items() if key.startswith("gotham:")}
    return provider_pb2.ConfigureRequest(
        variables=plain_config(ours),
        args=to_struct({key.split(":", 1)[1]: value for key, value in ours.items()}),
        acceptSecrets=True,
    )


def plugin_starter() -> Iterator[Callable[[dict[str, Any]], Host]]:
    """Start plugins configured with the given stack config; stops them when resumed.

    The engine runs the plugin with its flags, then its address (unused by a provider of
    custom resources).
    """
    yield from host_starter((str(PLUGIN), "--logtostderr", "-v=3", "127.0.0.1:1"), plugin_configure)


def as_declared(inputs: dict[str, Any]) -> dict[str, Any]:
    """A resource's inputs as a program in any language declares them to the plugin: the
    message(s) the Python program registered, without the sourceIds it derived."""

    def bare(message: Any) -> Any:
        return {k: v for k, v in message.items() if k != "sourceId"}

    if "message" in inputs:
        return {"message": bare(inputs["message"])}
    return {"messages": [bare(item) for item in inputs["messages"]]}


@dataclass(frozen=True)
class FrontDoor:
    """One way in to the provider's core, driven over gRPC as the engine does.

    ``dynamic``: the SDK's dynamic-provider host, given the inputs a Python program registers
    (``__provider`` and the derived sourceIds included). ``plugin``: pulumi-resource-gotham,
    given the inputs a program of any language declares (its Check derives the sourceIds).
    """

    name: str
    message_type: str
    batch_type: str
    start: Callable[[dict[str, Any]], Host]

    def inputs(self, registered: dict[str, Any]) -> dict[str, Any]:
        """What this door's program hands the engine, from the Python program's inputs."""
        return registered if self.name == "dynamic" else as_declared(registered)

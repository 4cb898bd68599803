"""A mock Pulumi engine that remembers what a program registered, for program-level tests.

Shared by the example-stack and release-announcement tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi.runtime import mocks, rpc


@dataclass(frozen=True)
class Registration:
    """One resource the program registered."""

    type: str
    name: str
    urn: str
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]


class RecordingMonitor(mocks.MockMonitor):
    """The mock engine, remembering each registration's parent and dependencies."""

    def __init__(self, mock: mocks.Mocks) -> None:
        super().__init__(mock)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    dependencies=list(request.dependencies),
                    inputs=rpc.deserialize_properties(request.object),
                )
            )
        return response

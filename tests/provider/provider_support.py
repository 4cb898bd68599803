"""Helpers of the provider tests: messages, a scripted Gotham, recording Pulumi mocks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pulumi

from gotham_inbox._retry import RetryPolicy
from gotham_inbox.providers.settings import ProviderSettings
from tests.support import RELEASE_MESSAGE, changed

SECRET_TOKEN = "tok-7f3aQ9xvK2mwZ8rtL4cy"  # random, as a real one is: any 8 of it are redacted
SECRET_CLIENT_SECRET = "cs-91c2Hx7pW3kqN6vdT5ab"

MESSAGE = RELEASE_MESSAGE


def message(**changes: Any) -> dict[str, Any]:
    """A valid message, with top-level fields replaced (``None`` removes a field)."""
    return changed(MESSAGE, changes)


def with_id(data: dict[str, Any] | None = None, source_id: str | None = None) -> dict[str, Any]:
    """A message carrying a sourceId (a fresh random one unless given)."""
    return {**(data or message()), "sourceId": source_id or str(uuid.uuid4())}


def fast_retries() -> RetryPolicy:
    """The client's retry policy without real sleeping, so retry tests stay fast."""
    return RetryPolicy(sleep=lambda _seconds: None, jitter=False)


class ScriptedGotham:
    """A MockTransport handler for answers the emulator never gives (UNKNOWN conflicts...).

    By default it behaves like the endpoint: sourceIds it has seen come back as
    ``CONFLICTING_SOURCE_ID``. ``answer`` replaces that with a fixed reply.
    """

    def __init__(self, answer: Callable[[list[dict[str, Any]]], httpx.Response] | None = None):
        self.answer = answer
        self.stored: dict[str, dict[str, Any]] = {}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        messages = json.loads(request.content)["messages"]
        if self.answer is not None:
            return self.answer(messages)
        responses, failures = [], []
        for item in messages:
            if item["sourceId"] in self.stored:
                failures.append({"sourceId": item["sourceId"], "reason": "CONFLICTING_SOURCE_ID"})
            else:
                self.stored[item["sourceId"]] = item
                responses.append({"sourceId": item["sourceId"]})
        return httpx.Response(200, json={"responses": responses, "failures": failures})

    def settings(self, **overrides: Any) -> ProviderSettings:
        """Provider settings that talk to this fake."""
        values: dict[str, Any] = {
            "hostname": "gotham.example.com",
            "token": SECRET_TOKEN,
            "transport": httpx.MockTransport(self),
            "retry": fast_retries(),
        }
        values.update(overrides)
        return ProviderSettings(**values)


class RecordingMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that remember every registered resource and answer like the provider.

    ``outputs`` computes a resource's outputs from its inputs; by default the inputs echo back.
    """

    def __init__(
        self, outputs: Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]] | None = None
    ) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []
        self.outputs = outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        outputs = self.outputs(args) if self.outputs else dict(args.inputs)
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []

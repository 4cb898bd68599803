"""Deploying programs with a ReleaseAnnouncement under Pulumi's mocks, sending to the emulator.

Each :func:`deploy` is one ``pulumi up`` of a stack with no prior state (as after a lost state
file): every resource is created. Inbox resources are created by the real provider,
deserialised from their ``__provider`` input as the provider host does, checked, then sent to
the emulator. The monitor records what the program registered: type, parent, dependencies.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dill
import pulumi
from pulumi.runtime import mocks

from gotham_inbox._retry import RetryPolicy
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.policy.inbox_resource import unwrap_secrets
from gotham_inbox.providers.settings import ProviderSettings
from tests.mock_engine import RecordingMonitor, Registration

INBOX_TYPES = {
    "pulumi-python:dynamic/gotham:InboxMessage",
    "pulumi-python:dynamic/gotham:InboxMessageBatch",
}
REALM = "palantir-internal-realm"


class BrokenInfrastructure(Exception):
    """The create of a resource the test marked as failing."""


class EmulatorMocks(mocks.Mocks):
    """Creates inbox resources with the real provider against the emulator.

    Any other custom resource echoes its inputs, unless its name is in ``failing``: then its
    create fails, as a cloud resource's might. ``created`` lists successful creates in order.
    """

    def __init__(self, emulator: RunningEmulator, failing: frozenset[str]) -> None:
        self.emulator = emulator
        self.failing = failing
        self.created: list[str] = []

    def _settings(self) -> ProviderSettings:
        return ProviderSettings(
            hostname=self.emulator.base_url,
            token=self.emulator.token_for("release-bot"),
            realm=REALM,
            retry=RetryPolicy(sleep=lambda _seconds: None, jitter=False),
        )

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.custom:
            return f"{args.name}-component", {}
        if args.name in self.failing:
            raise BrokenInfrastructure(f"{args.name} could not be created")
        outputs = dict(args.inputs)
        if args.typ in INBOX_TYPES:
            # The dynamic provider host tells the engine it does not accept secrets, so the
            # engine hands it plain values; the mock monitor does not, so unwrap them here.
            inputs = unwrap_secrets(args.inputs)
            provider = dill.loads(base64.b64decode(inputs["__provider"]))
            provider.use_settings(self._settings())
            failures = provider.check({}, inputs).failures
            if failures:
                raise AssertionError([(f.property, f.reason) for f in failures])
            outputs = provider.create(inputs).outs
        self.created.append(args.name)
        return f"{args.name}-id", outputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


@dataclass
class Deployment:
    """What one deploy registered, created and output."""

    registrations: list[Registration]
    created: list[str]
    outputs: dict[str, Any] = field(default_factory=dict)
    error: Exception | None = None

    def registered(self, name: str) -> Registration:
        """The registration of the resource called ``name``."""
        (found,) = [item for item in self.registrations if item.name == name]
        return found


def deploy(
    declare: Callable[[], Any],
    emulator: RunningEmulator,
    *,
    project: str = "releases",
    stack: str = "dev",
    failing: frozenset[str] = frozenset(),
    expect_failure: bool = False,
) -> Deployment:
    """Run ``declare`` as a program with no prior state; it returns the ReleaseAnnouncement.

    Its ``source_id``, ``status`` and ``message`` outputs end up in ``outputs``. A failing
    program raises, unless ``expect_failure``: then the error is in ``error``, beside what was
    registered before it.
    """
    loop = asyncio.new_event_loop()
    if expect_failure:
        # The SDK leaves the failed registration's futures unobserved; asyncio would print each
        # one ("Future exception was never retrieved") when it is garbage-collected.
        loop.set_exception_handler(lambda _loop, _context: None)
    asyncio.set_event_loop(loop)
    mock = EmulatorMocks(emulator, failing)
    monitor = RecordingMonitor(mock)
    deployment = Deployment(monitor.registrations, mock.created)
    mocks.set_mocks(mock, project=project, stack=stack, preview=False, monitor=monitor)
    try:

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> pulumi.Output[Any]:
            announcement = declare()
            return pulumi.Output.all(
                source_id=announcement.source_id,
                status=announcement.status,
                message=announcement.message,
            ).apply(deployment.outputs.update)

        program()
    except Exception as error:
        if not expect_failure:
            raise
        deployment.error = error
    finally:
        pulumi.runtime.settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
    if expect_failure and deployment.error is None:
        raise AssertionError("the deploy was expected to fail, and succeeded")
    return deployment

"""Fixtures of the provider tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pulumi
import pytest

from tests.provider.host_support import Host, host_starter
from tests.provider.plugin_support import (
    PLUGIN_BATCH_TYPE,
    PLUGIN_MESSAGE_TYPE,
    FrontDoor,
    plugin_starter,
)
from tests.provider.protocol_support import BATCH_TYPE, MESSAGE_TYPE
from tests.provider.provider_support import RecordingMocks, ScriptedGotham


@pytest.fixture
def scripted_gotham() -> ScriptedGotham:
    """A scripted Gotham behind httpx.MockTransport (stores messages, reports conflicts)."""
    return ScriptedGotham()


@pytest.fixture
def use_mocks() -> Iterator[Callable[..., RecordingMocks]]:
    """Install recording mocks for one test: ``use_mocks(outputs=..., stack=..., preview=...)``.

    Pulumi's runtime needs a current event loop; an earlier test's ``asyncio.run`` may have
    left none, so each test gets its own.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def install(
        outputs: Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]] | None = None,
        *,
        project: str = "inbox-project",
        stack: str = "dev",
        preview: bool = False,
    ) -> RecordingMocks:
        mocks = RecordingMocks(outputs)
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview)
        return mocks

    yield install
    pulumi.runtime.settings.reset_options()
    asyncio.set_event_loop(None)
    loop.close()


@pytest.fixture
def start_host() -> Iterator[Callable[[dict[str, Any]], Host]]:
    """Start the SDK's dynamic-provider host with a stack config; stopped after the test."""
    yield from host_starter()


@pytest.fixture
def start_plugin() -> Iterator[Callable[[dict[str, Any]], Host]]:
    """Start the gotham provider plugin with a stack config; stopped after the test."""
    yield from plugin_starter()


@pytest.fixture(params=["dynamic", "plugin"])
def door(
    request: pytest.FixtureRequest,
    start_host: Callable[[dict[str, Any]], Host],
    start_plugin: Callable[[dict[str, Any]], Host],
) -> FrontDoor:
    """Each front door of the provider's core: the dynamic provider, then the plugin."""
    if request.param == "dynamic":
        return FrontDoor("dynamic", MESSAGE_TYPE, BATCH_TYPE, start_host)
    return FrontDoor("plugin", PLUGIN_MESSAGE_TYPE, PLUGIN_BATCH_TYPE, start_plugin)

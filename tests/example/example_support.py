"""Running the repository's example stack (``__main__.py``) under Pulumi's mocks.

The program runs in this process with the ``dev`` stack's config as ``gotham-inbox check``
reads it (secure values stay ciphertext, marked secret). The mocks answer every registration
locally, as the providers would (an inbox resource's outputs carry its sourceIds): no engine,
no provider, nothing sent or written.
"""

from __future__ import annotations

import asyncio
import runpy
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks

from gotham_inbox.check.project import StackProject, load_project
from tests.mock_engine import RecordingMonitor, Registration

ROOT = Path(__file__).resolve().parents[2]
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"
COMPONENT_TYPE = "gotham:index:ReleaseAnnouncement"
MANIFEST_TYPE = "pulumi-python:dynamic/local:ReleaseManifest"


@dataclass(frozen=True)
class ExampleRun:
    """What one run of the example program registered."""

    project: StackProject
    registrations: list[Registration]

    def registered(self, name: str) -> Registration:
        """The registration of the resource called ``name``."""
        (found,) = [item for item in self.registrations if item.name == name]
        return found


class ProviderLikeMocks(mocks.Mocks):
    """Outputs as the providers record them: the inputs, plus the sourceIds they carry."""

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ == MESSAGE_TYPE:
            outputs["sourceId"] = args.inputs["message"]["sourceId"]
            outputs["status"] = "sent"
        if args.typ == BATCH_TYPE:
            outputs["sourceIds"] = [item["sourceId"] for item in args.inputs["messages"]]
        return f"{args.name}-id", outputs

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


def run_example(stack: str = "dev", config: Mapping[str, str] | None = None) -> ExampleRun:
    """Run ``__main__.py`` as stack ``stack`` with the dev stack's config, plus ``config``."""
    project = load_project(ROOT, "dev")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = RecordingMonitor(ProviderLikeMocks())
    pulumi.runtime.set_all_config({**project.config, **(config or {})}, list(project.secret_keys))
    mocks.set_mocks(
        monitor.mocks, project=project.project, stack=stack, preview=False, monitor=monitor
    )
    sys.path.insert(0, str(ROOT))
    try:

        @pulumi.runtime.test  # type: ignore[untyped-decorator]
        def program() -> None:
            runpy.run_path(str(project.program), run_name="__main__")

        program()
    finally:
        sys.path.remove(str(ROOT))
        pulumi.runtime.set_all_config({}, [])
        pulumi.runtime.settings.reset_options()
        asyncio.set_event_loop(None)
        loop.close()
    return ExampleRun(project, monitor.registrations)

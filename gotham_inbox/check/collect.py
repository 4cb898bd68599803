"""Running a stack's program under Pulumi's mocks and collecting its inbox resources.

The parent (:func:`collect_resources`) starts ``python -m gotham_inbox.check.collect REQUEST
RESULT`` in the project directory. The child sets the stack's config, installs mocks that answer
every registration locally (nothing is sent, no engine, no network), runs the program and writes
the inbox resources it registered, with their inputs as plain JSON, to RESULT. A separate process
keeps the Pulumi SDK's global state and whatever the program does away from the caller, and a
crashing program becomes a clear error instead of a crashed check.
"""

from __future__ import annotations

import json
import linecache
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gotham_inbox.check.project import StackProject
from gotham_inbox.policy.resources import (
    BATCH_TYPES,
    INBOX_TYPES,
    MESSAGE_TYPES,
    InboxResource,
    SourceLocation,
    inbox_resource,
)
from gotham_inbox.unknowns import UNKNOWN_STRING

DEFAULT_TIMEOUT = 120.0
"""Seconds a program may run under the mocks before check gives up on it."""

_OUTPUT_TAIL = 4000


class ProgramError(Exception):
    """The program could not be run to completion; the text says why."""


@dataclass(frozen=True)
class CollectedStack:
    """What a run of the program registered."""

    resources: list[InboxResource]
    resource_count: int


# --- the child process -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A deserialized property value as plain JSON; unknowns become the engine's sentinel."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return UNKNOWN_STRING
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _library_directories() -> tuple[Path, ...]:
    import gotham_inbox
    import gotham_inbox.providers

    # gotham_inbox/providers links to the repository's providers/ folder: frames name either.
    packages = (gotham_inbox, gotham_inbox.providers)
    found = (Path(package.__file__ or "").parent for package in packages)
    return tuple({path for folder in found for path in (folder, folder.resolve())})


def _is_library(path: Path) -> bool:
    # gotham-inbox's own packages may sit inside the project (an editable install, as in this
    # repository); a component's child must still be reported where the program declared it.
    return any(path.is_relative_to(library) for library in _library_directories())


def _source(frames: Any, directory: Path) -> dict[str, Any] | None:
    # The SDK sends the stack at registration; the first frame inside the project is where
    # the program declared the resource (frames in the SDK or a providers package are skipped).
    for frame in frames:
        uri = frame.pc.uri
        if not uri.startswith("file://"):
            continue
        path = Path(unquote(urlparse(uri).path))
        if not path.is_relative_to(directory) or _is_library(path):
            continue
        # A resource class defined in the program itself is not where the resource is declared.
        if "__init__(" in linecache.getline(str(path), frame.pc.line):
            continue
        return {"path": path.relative_to(directory).as_posix(), "line": frame.pc.line}
    return None


def mock_outputs(resource_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    # The provider's outputs (see the contract): enough for programs that read source ids.
    outputs = dict(inputs)
    if resource_type in MESSAGE_TYPES and isinstance(inputs.get("message"), dict):
        outputs["sourceId"] = inputs["message"].get("sourceId")
    if resource_type in BATCH_TYPES and isinstance(inputs.get("messages"), list):
        outputs["sourceIds"] = [
            item.get("sourceId") for item in inputs["messages"] if isinstance(item, dict)
        ]
    return outputs


ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's whole type chain, the root stack left
    out (Pulumi's mocks keep only the parent's last type, and the stack's), so that ``check``
    names each resource exactly as ``pulumi preview`` does."""
    if parent:
        qualified = parent.split("::")[2]
        if qualified != ROOT_STACK_TYPE:
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def collecting_monitor(
    local: Any,
    *,
    stack: str,
    project: str,
    directory: Path,
    collected: list[dict[str, Any]],
    counted: list[int],
) -> Any:
    """A mock monitor over the mocks ``local`` that records each inbox resource registered
    (type, engine URN, name, plain inputs, program line) in ``collected`` and counts every
    resource but the root stack in ``counted[0]``. ``check`` and ``check --explore`` both run
    programs through it, so both name resources as the engine does."""
    from pulumi.runtime import mocks, rpc

    class CollectingMonitor(mocks.MockMonitor):
        def make_urn(self, parent: str, type_: str, name: str) -> str:
            return engine_urn(stack, project, parent, type_, name)

        def RegisterResource(self, request: Any) -> Any:
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            if request.type != ROOT_STACK_TYPE:
                counted[0] += 1
            if request.type in INBOX_TYPES:
                inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
                collected.append(
                    {
                        "type": request.type,
                        "urn": response.urn,
                        "name": request.name,
                        "inputs": _plain(inputs),
                        "source": _source(request.stackTrace.frames, directory),
                    }
                )
            return response

    return CollectingMonitor(local)


def _run_program(request: dict[str, Any]) -> dict[str, Any]:
    import runpy

    import pulumi
    from pulumi.runtime import mocks

    directory = Path(request["directory"])
    collected: list[dict[str, Any]] = []
    counted = [0]

    class LocalMocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            return f"{args.name}-id", mock_outputs(args.typ, args.inputs)

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
            return {}, None

    pulumi.runtime.set_all_config(dict(request["config"]), list(request["secretKeys"]))
    local = LocalMocks()
    mocks.set_mocks(
        local,
        project=request["project"],
        stack=request["stack"],
        preview=False,
        monitor=collecting_monitor(
            local,
            stack=request["stack"],
            project=request["project"],
            directory=directory,
            collected=collected,
            counted=counted,
        ),
    )
    sys.path.insert(0, str(directory))
    program = request["program"]

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> None:
        runpy.run_path(program, run_name="__main__")

    run()
    return {"resources": collected, "resourceCount": counted[0]}


def main(argv: list[str] | None = None) -> int:
    """Child entry point: ``python -m gotham_inbox.check.collect REQUEST RESULT``."""
    request_path, result_path = argv if argv is not None else sys.argv[1:3]
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    try:
        result = _run_program(request)
        code = 0
    except SystemExit as stop:
        result = {"error": f"the program called sys.exit({stop.code!r})"}
        code = 1
    except BaseException:  # any failure of the program is reported, not raised
        result = {"error": traceback.format_exc()}
        code = 1
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return code


# --- the parent --------------------------------------------------------------------------


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _OUTPUT_TAIL else "..." + text[-_OUTPUT_TAIL:]


def collect_resources(project: StackProject, timeout: float = DEFAULT_TIMEOUT) -> CollectedStack:
    """Run the project's program for its stack under mocks; :class:`ProgramError` on failure."""
    request = {
        "directory": str(project.directory),
        "program": str(project.program),
        "project": project.project,
        "stack": project.stack,
        "config": dict(project.config),
        "secretKeys": sorted(project.secret_keys),
    }
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-check-") as scratch:
        request_path = Path(scratch, "request.json")
        result_path = Path(scratch, "result.json")
        request_path.write_text(json.dumps(request), encoding="utf-8")
        # The program's own config comes from the request, never from a caller's environment.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        try:
            completed = subprocess.run(
                [sys.executable, "-m", "gotham_inbox.check.collect", request_path, result_path],
                cwd=project.directory,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise ProgramError(
                f"the program {project.program} did not finish within {timeout:g} seconds "
                "under mocks; does it wait for something outside Pulumi?"
            ) from None
        result = (
            json.loads(result_path.read_text(encoding="utf-8")) if result_path.is_file() else None
        )
    if result is None or "error" in result:
        reason = result["error"] if result else _tail(completed.stderr) or "no output"
        raise ProgramError(f"the program {project.program} failed:\n{_tail(reason)}")
    return CollectedStack(inbox_resources_of(result), int(result["resourceCount"]))


def inbox_resources_of(result: Mapping[str, Any]) -> list[InboxResource]:
    """The inbox resources a program run registered, from what :func:`collecting_monitor`
    recorded (in the child, sent to the parent as JSON)."""
    resources = []
    for item in result["resources"]:
        source = item.get("source")
        found = inbox_resource(
            item["type"],
            item["urn"],
            item["name"],
            item["inputs"],
            SourceLocation(source["path"], source["line"]) if source else None,
        )
        if found is not None:
            resources.append(found)
    return resources


if __name__ == "__main__":
    sys.exit(main())

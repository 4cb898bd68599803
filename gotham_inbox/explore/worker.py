"""One long-lived child process that runs a stack's program under Pulumi's mocks, again and again.

``check`` starts a fresh interpreter for its one run of the program; ``check --explore`` runs the
program hundreds of times, so it starts one worker (``python -m gotham_inbox.explore.worker``) and
sends it one JSON line per example on standard input: the config to run with and the output
values the mocks should answer with. The worker answers one JSON line per example, on the
original standard output; the program's own ``print`` output goes to standard error, so it can
never corrupt the protocol.

Between two runs the worker resets what the Pulumi SDK keeps in globals (settings, the root
stack resource, config, mocks) and forgets the program's own modules (any module loaded from the
project directory other than gotham-inbox's and the virtualenv's), so a module that reads config
when it is imported reads this example's config. The process boundary keeps the SDK's globals
and whatever the program does away from the caller, as ``check``'s child does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gotham_inbox.check.collect import (
    ProgramError,
    collecting_monitor,
    inbox_resources_of,
    mock_outputs,
)
from gotham_inbox.check.project import StackProject
from gotham_inbox.policy.resources import InboxResource

_OUTPUT_TAIL = 4000


@dataclass(frozen=True)
class ProgramRun:
    """What one run of the program registered, or why it failed."""

    resources: list[InboxResource]
    resource_count: int
    error: str | None = None


# --- the child process -------------------------------------------------------------------


def _library_roots() -> tuple[Path, ...]:
    import gotham_inbox
    import gotham_inbox.providers

    # Resolved: in a checkout gotham_inbox/providers is a link to the top-level providers/.
    packages = (gotham_inbox, gotham_inbox.providers)
    roots = [Path(package.__file__ or "").parent.resolve() for package in packages]
    # The project's virtualenv may live inside the project directory (.venv, venv).
    roots += [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    return tuple(roots)


def _forget_program_modules(
    directory: Path, libraries: tuple[Path, ...], verdicts: dict[str, bool]
) -> None:
    """Drop the program's own modules from ``sys.modules`` so the next run imports them anew.

    ``verdicts`` remembers, per module file, whether it is the program's: resolving every
    loaded module's path on each run would cost more than the run itself.
    """
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str):
            continue
        ours = verdicts.get(file)
        if ours is None:
            path = Path(file).resolve()
            ours = path.is_relative_to(directory) and not any(
                path.is_relative_to(library) for library in libraries
            )
            verdicts[file] = ours
        if ours:
            del sys.modules[name]


class _Runner:
    """Runs the program once per request, with fresh SDK state each time."""

    def __init__(self, setup: Mapping[str, Any]) -> None:
        self.directory = Path(setup["directory"]).resolve()
        self.program = str(setup["program"])
        self.project = str(setup["project"])
        self.stack = str(setup["stack"])
        self.secret_keys = list(setup["secretKeys"])
        sys.path.insert(0, str(self.directory))
        self.libraries = _library_roots()
        self.module_verdicts: dict[str, bool] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self, request: Mapping[str, Any]) -> dict[str, Any]:
        import runpy

        import pulumi
        from pulumi.runtime import mocks

        directory = self.directory
        collected: list[dict[str, Any]] = []
        counted = [0]
        resource_outputs: Mapping[str, Mapping[str, Any]] = request.get("outputs") or {}
        call_results: Mapping[str, Mapping[str, Any]] = request.get("calls") or {}

        class ExploreMocks(mocks.Mocks):
            def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
                outputs = mock_outputs(args.typ, args.inputs)
                outputs.update(resource_outputs.get(args.typ, {}))
                return f"{args.name}-id", outputs

            def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
                return dict(call_results.get(args.token, {})), None

        _forget_program_modules(self.directory, self.libraries, self.module_verdicts)
        if self.loop is None:
            # One event loop for the worker's life: its thread pool (the SDK registers resources
            # from threads) is started once, not once per example. A failed run gets a new one.
            self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        succeeded = False
        try:
            pulumi.runtime.settings.reset_options()
            pulumi.runtime.set_all_config(dict(request["config"]), self.secret_keys)
            local = ExploreMocks()
            mocks.set_mocks(
                local,
                project=self.project,
                stack=self.stack,
                preview=False,
                monitor=collecting_monitor(
                    local,
                    stack=self.stack,
                    project=self.project,
                    directory=directory,
                    collected=collected,
                    counted=counted,
                ),
            )
            program = self.program

            @pulumi.runtime.test  # type: ignore[untyped-decorator]
            def run() -> None:
                runpy.run_path(program, run_name="__main__")

            run()
            succeeded = True
        finally:
            if not succeeded:
                self.loop.close()
                self.loop = None
            asyncio.set_event_loop(None)
        return {"resources": collected, "resourceCount": counted[0]}


def _program_traceback(error: BaseException, program: str) -> str:
    """The traceback from the program's own frames on (the worker's and the SDK's left out)."""
    frames = traceback.extract_tb(error.__traceback__)
    start = next((index for index, frame in enumerate(frames) if frame.filename == program), None)
    if start is None:
        return "".join(traceback.format_exception(error))
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(frames[start:])
    lines += traceback.format_exception_only(error)
    return "".join(lines)


def main() -> int:
    """Child entry point: one setup line, then one request line per run, on standard input."""
    protocol: IO[str] = os.fdopen(os.dup(1), "w", encoding="utf-8")
    requests: IO[str] = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(2, 1)  # the program's prints go to standard error, never into the protocol
    sys.stdout = sys.stderr
    # A program that reads standard input reads nothing, never the next request.
    silent = os.open(os.devnull, os.O_RDONLY)
    os.dup2(silent, 0)
    os.close(silent)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (the worker's life long)
    setup = json.loads(requests.readline())
    runner = _Runner(setup)
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in requests:
        request = json.loads(line)
        try:
            result = runner.run(request)
        except SystemExit as stop:
            result = {"error": f"the program called sys.exit({stop.code!r})"}
        except BaseException as error:  # any failure of the program is reported, not raised
            result = {"error": _program_traceback(error, runner.program)}
        protocol.write(json.dumps(result) + "\n")
        protocol.flush()
    return 0


# --- the parent --------------------------------------------------------------------------


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _OUTPUT_TAIL else "..." + text[-_OUTPUT_TAIL:]


def _decode(result: Mapping[str, Any]) -> ProgramRun:
    return ProgramRun(inbox_resources_of(result), int(result["resourceCount"]))


class ProgramWorker:
    """The parent's handle on a worker: :meth:`run` one example, :meth:`close` at the end.

    A run that does not finish within ``timeout`` seconds kills the worker (the next run starts
    a new one) and comes back as a failed run. :class:`ProgramError` only when the worker
    itself cannot start.
    """

    def __init__(self, project: StackProject, timeout: float) -> None:
        self.project = project
        self.timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        # Closed in __exit__: the worker's standard error lives as long as the handle.
        self._stderr = tempfile.TemporaryFile(  # noqa: SIM115
            mode="w+", encoding="utf-8", errors="replace"
        )

    def __enter__(self) -> ProgramWorker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
        self._stderr.close()

    def _start(self) -> subprocess.Popen[str]:
        # The program's own config comes from the requests, never from a caller's environment.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        process = subprocess.Popen(
            [sys.executable, "-m", "gotham_inbox.explore.worker"],
            cwd=self.project.directory,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        setup = {
            "directory": str(self.project.directory),
            "program": str(self.project.program),
            "project": self.project.project,
            "stack": self.project.stack,
            "secretKeys": sorted(self.project.secret_keys),
        }
        self._process = process
        answer = self._exchange(setup, self.timeout)
        if answer is None or not answer.get("ready"):
            self.close()
            raise ProgramError(
                f"the explore worker for {self.project.program} did not start:\n"
                f"{_tail(self._stderr_text()) or 'no output'}"
            )
        return process

    def _stderr_text(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read()
        self._stderr.seek(0)
        self._stderr.truncate()
        return text

    def _exchange(self, message: Mapping[str, Any], timeout: float) -> dict[str, Any] | None:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(message) + "\n")
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            return None
        line = process.stdout.readline()
        if not line:
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(self, config: Mapping[str, str], outputs: Mapping[str, Any] | None) -> ProgramRun:
        """Run the program once with ``config``; the mocks answer with ``outputs``."""
        process = self._process if self._process is not None else self._start()
        started = time.monotonic()
        request = {
            "config": dict(config),
            "outputs": (outputs or {}).get("resources"),
            "calls": (outputs or {}).get("calls"),
        }
        self._stderr_text()  # only this run's output is worth showing
        answer = self._exchange(request, self.timeout)
        if answer is None:
            timed_out = process.poll() is None and time.monotonic() - started >= self.timeout
            self.close(kill=timed_out)
            if timed_out:
                return ProgramRun(
                    [],
                    0,
                    f"the program {self.project.program} did not finish within "
                    f"{self.timeout:g} seconds under mocks; does it wait for something outside "
                    "Pulumi?",
                )
            return ProgramRun(
                [],
                0,
                f"the program {self.project.program} ended the worker:\n"
                f"{_tail(self._stderr_text()) or 'no output'}",
            )
        if "error" in answer:
            return ProgramRun(
                [], 0, f"the program {self.project.program} failed:\n{_tail(answer['error'])}"
            )
        return _decode(answer)

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker: it ends at the end of its input, or is killed (a hung program)."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        if kill:
            process.kill()
        with contextlib.suppress(OSError):
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


if __name__ == "__main__":
    sys.exit(main())

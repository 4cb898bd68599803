"""Running a stack's program under Pulumi's mocks in a child process: ``check``, ``--explore``.

The parent (:class:`ProgramRunner`) starts ``python -m gotham_inbox.check.runner`` in the project
directory and sends it one JSON line to set up, then one JSON line per run (the config, and the
answers the mocks give on top of the declared ones); the child answers one JSON line per run on
its original standard output. The program's own ``print`` output goes to standard error, so it
can never corrupt the protocol. ``check`` makes one run, ``check --explore`` hundreds.

What the child does per run is :mod:`gotham_inbox.check.preview`. The process boundary keeps the
Pulumi SDK's global state and whatever the program does away from the caller; on top of it:

- the child gets no credentials: every ``PULUMI_*`` and ``GOTHAM_*`` variable is removed (the
  program's config comes from the request, and under mocks nothing is sent);
- of the program's output, only a bounded tail is kept (:data:`KEPT_OUTPUT_BYTES`), whatever it
  prints, and the credentials the parent holds are redacted from every text shown;
- the child answers as soon as the program has run and leaves with ``os._exit``, so a thread the
  program left running does not hold it; it runs in its own process group, which is killed when
  the runner closes, so a process the program started does not outlive ``check``; a SIGTERM,
  SIGHUP or SIGINT to ``check`` kills that group first, and the child dies with ``check``
  (Linux: ``PR_SET_PDEATHSIG``) even when ``check`` is killed outright;
- the child starts with ``python -P``: the caller's current directory is not on its
  ``sys.path`` (the program's directory is, as under ``pulumi preview``);
- control characters in the program's output and errors are shown escaped (:func:`printable`);
- a failure names the program's own file and line first; the SDK's and gotham-inbox's frames
  are left out unless ``full_traceback`` is asked for (``check --traceback``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gotham_inbox.errors import UserError

if TYPE_CHECKING:
    from gotham_inbox.check.project import StackProject
    from gotham_inbox.policy.inbox_resource import InboxResource, SourceLocation

# This module imports nothing of gotham-inbox at its top: the command line imports it first, to
# start the child (prestart) while it imports the rest (see prestart).

DEFAULT_TIMEOUT = 120.0
"""Seconds a program may run under the mocks before check gives up on it."""

KEPT_OUTPUT_BYTES = 64 * 1024
"""The tail of the program's own output (standard error and its prints) kept in memory."""

SHOWN_OUTPUT_CHARS = 4000
"""The tail of a failure's text or of the program's output that a report shows."""

OUTPUT_DRAIN_SECONDS = 2.0
"""How long, once the child has left, its last output may take to be read: a process the
program started may keep the stream open, and nothing waits for that."""

PRELOADED = ("pulumi.runtime.mocks", "pulumi.runtime.proto.resource_pb2", "gotham_inbox.providers")
"""Modules the child imports before its setup arrives: the SDK and the resources."""

SCRUBBED_PREFIXES = ("PULUMI_", "GOTHAM_")
"""Environment variables the program under mocks never gets (config, credentials)."""

_CREDENTIAL_NAME = re.compile(
    r"token|secret|salt|passw|passphrase|credential|(^|[_:.])key$|apikey", re.IGNORECASE
)


class ProgramError(UserError):
    """The program could not be run to completion; the text says why."""

    def __init__(self, text: str, location: SourceLocation | None = None) -> None:
        super().__init__(text)
        self.location = location
        """The program's own line that failed, when known (relative to the project)."""


@dataclass(frozen=True)
class ProgramRun:
    """What one run of the program registered, or why it failed."""

    resources: list[InboxResource]
    resource_count: int
    error: str | None = None
    location: SourceLocation | None = None
    """Where the program failed (its own file and line), when it failed there."""


# --- the child process -------------------------------------------------------------------


def _program_frames(
    frames: traceback.StackSummary, directory: Path, libraries: tuple[Path, ...]
) -> list[traceback.FrameSummary]:
    from gotham_inbox.check.preview import is_program_file

    return [
        frame
        for frame in frames
        if frame.filename.startswith(os.sep)
        and is_program_file(Path(frame.filename).resolve(), directory, libraries)
    ]


def describe_failure(
    error: BaseException, directory: Path, libraries: tuple[Path, ...]
) -> dict[str, Any]:
    """A program failure as the child reports it: the program's last own line, its frames
    only (``traceback``), and the whole traceback (``fullTraceback``)."""
    whole = "".join(traceback.format_exception(error))
    if isinstance(error, SystemExit):
        summary = f"the program called sys.exit({error.code!r})"
    else:
        summary = "".join(traceback.format_exception_only(error)).strip()
    frames = _program_frames(traceback.extract_tb(error.__traceback__), directory, libraries)
    if not frames:
        return {"summary": summary, "location": None, "traceback": whole, "fullTraceback": whole}
    last = frames[-1]
    relative = Path(last.filename).resolve().relative_to(directory).as_posix()
    short = "Traceback (the program's own frames; --traceback shows all):\n" + "".join(
        traceback.format_list(frames)
    )
    if not isinstance(error, SystemExit):
        short += summary + "\n"
    return {
        "summary": summary,
        "location": {"path": relative, "line": last.lineno},
        "traceback": short,
        "fullTraceback": whole,
    }


PR_SET_PDEATHSIG = 1
"""Linux's prctl option: the signal a process gets when its parent dies."""


def die_with_parent(parent: int) -> None:
    """Make this child die when the process that started it does (Linux), and leave now if it
    already has: the parent holds the timeout, so a child without it would run the program
    forever. Elsewhere the parent's signal handlers are the only guard."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent and os.getppid() != parent:  # the parent died before the prctl took effect
        os._exit(0)


def main(argv: list[str] | None = None) -> int:
    """Child entry point: one setup line, then one request line per run, on standard input.
    ``argv``'s first item is the parent's process id."""
    arguments = sys.argv[1:] if argv is None else argv
    die_with_parent(int(arguments[0]) if arguments and arguments[0].isdigit() else 0)
    from gotham_inbox.check.preview import ProgramSession

    protocol: IO[str] = os.fdopen(os.dup(1), "w", encoding="utf-8")
    requests: IO[str] = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(2, 1)  # the program's prints go to standard error, never into the protocol
    sys.stdout = sys.stderr
    # A program that reads standard input reads nothing, never the next request.
    silent = os.open(os.devnull, os.O_RDONLY)
    os.dup2(silent, 0)
    os.close(silent)
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 (the child's life long)
    # What every program needs, imported while the parent is still starting (see prestart).
    for module in PRELOADED:
        importlib.import_module(module)

    setup = requests.readline()
    if not setup:  # a started child the command did not need
        os._exit(0)
    session = ProgramSession(json.loads(setup))
    protocol.write(json.dumps({"ready": True}) + "\n")
    protocol.flush()
    for line in requests:
        request = json.loads(line)
        try:
            result = session.run(request)
        except BaseException as error:  # any failure of the program is reported, not raised
            result = {
                "error": describe_failure(error, session.directory, session.libraries),
                "undeclaredCalls": session.undeclared_calls(),
            }
        protocol.write(json.dumps(result) + "\n")
        protocol.flush()
    protocol.close()
    sys.stderr.flush()
    # A thread the program left running must not keep the child (and check) waiting.
    os._exit(0)


# --- the parent --------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with its control characters but newline and tab shown as ``\\x1b``-style
    escapes: the program's output must not drive the terminal (set its title, clear it,
    rewrite the line before) when check shows it."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def _tail(text: str) -> str:
    text = text.strip()
    return text if len(text) <= SHOWN_OUTPUT_CHARS else "..." + text[-SHOWN_OUTPUT_CHARS:]


def scrubbed_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the variables the program must not get (:data:`SCRUBBED_PREFIXES`)."""
    return {key: value for key, value in environ.items() if not key.startswith(SCRUBBED_PREFIXES)}


def held_credentials(environ: Mapping[str, str], config: Mapping[str, str]) -> list[str]:
    """The credentials this process holds that a program's output may echo: removed variables
    and config values whose names say they are credentials."""
    held = [
        value
        for key, value in environ.items()
        if key.startswith(SCRUBBED_PREFIXES) and _CREDENTIAL_NAME.search(key)
    ]
    held += [value for key, value in config.items() if _CREDENTIAL_NAME.search(key)]
    return held


class _OutputTail:
    """The last :data:`KEPT_OUTPUT_BYTES` of a stream, read by a daemon thread.

    A daemon because a process the program started may hold the stream open after the child
    has gone: nothing waits for it.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._data = bytearray()
        self._cut = False
        self._lock = threading.Lock()
        self._ended = threading.Event()
        threading.Thread(target=self._read, name="program-output", daemon=True).start()

    def _read(self) -> None:
        fd = self._stream.fileno()
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self._keep(chunk)
        finally:
            self._ended.set()

    def wait_for_end(self, timeout: float) -> None:
        """Wait until the stream has ended (at most ``timeout`` seconds): once the child has
        left, what it wrote last may still be in the pipe, not yet read by the thread."""
        self._ended.wait(timeout)

    def _keep(self, chunk: bytes) -> None:
        with self._lock:
            self._data += chunk
            if len(self._data) > KEPT_OUTPUT_BYTES:
                del self._data[: len(self._data) - KEPT_OUTPUT_BYTES]
                self._cut = True

    def take(self) -> str:
        """What was kept since the last call (and forget it). When the start was cut off, the
        first word is dropped too: it may be the end of a credential, which redaction, which
        knows only whole ones, would not recognise."""
        with self._lock:
            data, self._data, cut, self._cut = bytes(self._data), bytearray(), self._cut, False
        text = data.decode("utf-8", "replace")
        if cut:
            parts = text.split(maxsplit=1)
            text = "..." + (parts[1] if len(parts) > 1 else "")
        return text


_live: set[subprocess.Popen[bytes]] = set()
"""The children started and not yet closed: a signal that ends this process kills them."""

STOPPING_SIGNALS = {"SIGTERM": 143, "SIGHUP": 129}
"""Signals that end ``check`` and its exit status (``TERMINATED``, ``HUNG_UP`` of
:mod:`gotham_inbox.cli.exit_codes`, not imported here: see prestart); SIGINT is Ctrl-C,
``INTERRUPTED`` (130)."""


def _kill_children() -> None:
    for process in list(_live):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def _on_stopping_signal(signum: int, _frame: object) -> None:
    # The child runs in its own session, so the signal reached only this process: its
    # process group (the program and what it started) is killed before this process leaves.
    _kill_children()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(STOPPING_SIGNALS[signal.Signals(signum).name])


def _stop_children_on_signals() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers; the child's PDEATHSIG still holds
    for name in ("SIGTERM", "SIGHUP", "SIGINT"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not _on_stopping_signal:
            with contextlib.suppress(OSError, ValueError):
                signal.signal(number, _on_stopping_signal)


def _spawn(directory: Path) -> subprocess.Popen[bytes]:
    _stop_children_on_signals()
    process = subprocess.Popen(
        # -P: the caller's current directory is not on the child's sys.path (as under
        # `pulumi preview`); the program's own directory is put there by the session.
        [sys.executable, "-P", "-m", "gotham_inbox.check.runner", str(os.getpid())],
        cwd=directory,
        env=scrubbed_environment(os.environ),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Its own process group: whatever the program starts is killed with it.
        start_new_session=True,
    )
    _live.add(process)
    return process


_prestarted: list[subprocess.Popen[bytes]] = []


def prestart(argv: list[str]) -> None:
    """Start ``check``'s child now, when ``argv`` is a plain ``check``: it imports the Pulumi SDK
    while this process imports the command line, instead of after it (on two cores, about a
    third of ``check``'s wall time). The child waits for its setup; one the command ends up not
    needing leaves when this process does."""
    if argv[:1] != ["check"] or {"--explore", "-h", "--help"} & set(argv) or _prestarted:
        return
    with contextlib.suppress(OSError):
        _prestarted.append(_spawn(Path.cwd()))


def _take_prestarted() -> subprocess.Popen[bytes] | None:
    while _prestarted:
        process = _prestarted.pop()
        if process.poll() is None:
            return process
        _live.discard(process)
    return None


class ProgramRunner:
    """The parent's handle on the child: :meth:`run` the program, :meth:`close` at the end.

    ``answers`` are the declared answers of the mocks (:mod:`gotham_inbox.check.mock_answers`);
    each run may lay more over them. A run that does not finish within ``timeout`` seconds
    kills the child (the next run starts a new one) and comes back as a failed run.
    :class:`ProgramError` only when the child itself cannot start.
    """

    def __init__(
        self,
        project: StackProject,
        timeout: float,
        *,
        answers: Mapping[str, Any] | None = None,
        full_traceback: bool = False,
    ) -> None:
        self.project = project
        self.timeout = timeout
        self.answers = dict(answers or {})
        self.full_traceback = full_traceback
        self._process: subprocess.Popen[bytes] | None = None
        self._output: _OutputTail | None = None
        self._credentials = held_credentials(os.environ, project.config)

    def __enter__(self) -> ProgramRunner:
        return self

    def __exit__(self, error_type: object, *_: object) -> None:
        # Leaving on an exception (Ctrl-C, a signal): the program is not waited for.
        self.close(kill=error_type is not None)

    def _redacted(self, text: str) -> str:
        from gotham_inbox.redaction import redact

        return redact(text, self._credentials)

    def _program_output(self) -> str:
        # Redacted before any cut, so a cut never leaves part of a credential behind.
        return _tail(self._redacted(self._output.take())) if self._output else ""

    def _start(self) -> subprocess.Popen[bytes]:
        process = _take_prestarted() or _spawn(self.project.directory)
        assert process.stderr is not None
        self._process = process
        self._output = _OutputTail(process.stderr)
        setup = {
            "directory": str(self.project.directory),
            "program": str(self.project.program),
            "project": self.project.project,
            "stack": self.project.stack,
            "secretKeys": sorted(self.project.secret_keys),
            "answers": self.answers,
        }
        answer = self._exchange(setup, self.timeout)
        if answer is None or not answer.get("ready"):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)  # a child that closed its output is leaving
            if process.returncode is not None:
                self._output.wait_for_end(OUTPUT_DRAIN_SECONDS)
            output = self._program_output()
            self.close(kill=True)
            raise ProgramError(
                f"could not start a Python to run {self.project.program}:\n{output or 'no output'}"
            )
        return process

    def _exchange(self, message: Mapping[str, Any], timeout: float) -> dict[str, Any] | None:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(message).encode("utf-8") + b"\n")
            process.stdin.flush()
        except OSError:
            return None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            return None
        line = process.stdout.readline()
        if not line:
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def run(
        self, config: Mapping[str, str] | None = None, answers: Mapping[str, Any] | None = None
    ) -> ProgramRun:
        """Run the program once with ``config`` (default: the stack's); the mocks answer with
        the declared answers, ``answers`` laid over them."""
        process = self._process if self._process is not None else self._start()
        started = time.monotonic()
        request = {
            "config": dict(self.project.config if config is None else config),
            "answers": dict(answers or {}),
        }
        self._program_output()  # only this run's output is worth showing
        answer = self._exchange(request, self.timeout)
        program = self.project.program
        if answer is None:
            timed_out = process.poll() is None and time.monotonic() - started >= self.timeout
            ending = "" if timed_out else _ending(process)
            if not timed_out and self._output is not None:
                # A process the program started may hold the stream open: bounded.
                self._output.wait_for_end(OUTPUT_DRAIN_SECONDS)
            output = self._program_output()
            self.close(kill=True)
            if timed_out:
                reason = (
                    f"the program {program} did not finish within {self.timeout:g} seconds "
                    "under mocks; does it wait for something outside Pulumi?"
                )
            else:
                reason = (
                    f"the program {program} ended its Python ({ending}):\n{output or 'no output'}"
                )
            return ProgramRun([], 0, printable(reason))
        undeclared = list(answer.get("undeclaredCalls") or [])
        if "error" in answer:
            return self._failed(answer["error"], undeclared)
        if undeclared:
            return ProgramRun([], 0, printable(undeclared_calls_text(program, undeclared)))
        return ProgramRun(inbox_resources_of(answer), int(answer["resourceCount"]))

    def _failed(self, failure: Mapping[str, Any], undeclared: list[str]) -> ProgramRun:
        from gotham_inbox.policy.inbox_resource import SourceLocation

        found = failure.get("location")
        location = SourceLocation(found["path"], found["line"]) if found else None
        where = f" at {location.path}:{location.line}" if location else ""
        shown = failure["fullTraceback"] if self.full_traceback else failure["traceback"]
        output = self._program_output()
        summary = self._redacted(failure["summary"])
        if len(summary) > SHOWN_OUTPUT_CHARS:  # an exception's text may be any size
            summary = summary[:SHOWN_OUTPUT_CHARS] + "..."
        text = f"the program {self.project.program} failed{where}: {summary}\n"
        text += _tail(self._redacted(shown))
        if output and output not in text:
            text += f"\n\nits output (the end):\n{output}"
        if undeclared:
            before = undeclared_calls_text(self.project.program, undeclared)
            text += f"\n\nbefore it failed, {before}"
        return ProgramRun([], 0, printable(text), location)

    def close(self, *, kill: bool = False) -> None:
        """Stop the child (it leaves at the end of its input, or is killed) and every process
        the program left in its group."""
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
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        _live.discard(process)
        process.stdout.close()


def undeclared_calls_text(program: Path, tokens: list[str]) -> str:
    """Why a run that used an undeclared plain-form invoke is not judged, and the fix."""
    names = ", ".join(tokens)
    return (
        f"the program {program} used an invoke answer nobody declared (the plain form's, or "
        f"a field a declaration leaves out): {names}. check cannot know that answer (a "
        "preview asks the provider) and does not judge made-up values; declare its answer "
        "under calls: in gotham-inbox-mocks.yaml (check --explore: in the explore file's "
        "calls:), or use the output form get_x_output, whose answer stays unknown until "
        "pulumi up"
    )


def _ending(process: subprocess.Popen[bytes]) -> str:
    """How the child ended: its exit status, or the signal that killed it."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)  # its output has ended: it is leaving
    code = process.returncode
    if code is None:
        return "it closed its output"
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def inbox_resources_of(result: Mapping[str, Any]) -> list[InboxResource]:
    """The inbox resources a run registered, from what the child recorded (as JSON)."""
    from gotham_inbox.policy.inbox_resource import SourceLocation, inbox_resource

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

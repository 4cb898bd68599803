"""Driving the real Pulumi CLI (built by ``scripts/install-pulumi``) against the emulator.

Every test works on a copy of the example project in a temporary folder, with its own local
file backend and ``PULUMI_HOME``, so nothing touches the user's Pulumi state or the repository's
files. The copy runs the repository's virtualenv (its ``Pulumi.yaml`` names it by absolute
path) and the repository's policy pack, started as an executable pack through the
``policies/analyzer`` link the install script makes: the Python language host this project can
build (v3.68, the newest the Go module proxy serves) cannot start a pack directory for a current
CLI.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

from gotham_inbox.emulator.app import SEND_PATH
from gotham_inbox.emulator.testing import RunningEmulator

REPO = Path(__file__).resolve().parents[2]
ENGINE_BIN = REPO / ".pulumi" / "bin"
PULUMI = ENGINE_BIN / "pulumi"
LAUNCHERS = (
    "pulumi-language-python",
    "pulumi-resource-pulumi-python",
    "pulumi-analyzer-policy-python",
)
POLICY_PACK = REPO / "policies" / "analyzer"
POLICY_CONFIG = "policy-config.dev.json"

STACK = "dev"
# Pulumi.dev.yaml's passphrase, public on purpose (it guards only the emulator's made-up token).
DEV_STACK_PASSPHRASE = "dev"

MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"
INBOX_TYPES = (MESSAGE_TYPE, BATCH_TYPE)

# A ceiling so that a hung engine fails the test instead of hanging CI. Never an assertion.
COMMAND_TIMEOUT_SECONDS = 300.0
WAIT_TIMEOUT_SECONDS = 120.0

EMULATOR_LOGGER = "gotham_inbox.emulator"
_REQUEST_LINE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) ")


# -- the engine ------------------------------------------------------------------------------


def under_ci() -> bool:
    """Whether the ``CI`` variable says this is a CI run (there the engine is required)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(message: str) -> NoReturn:
    """Skip the test for want of ``message``'s tool; under CI, where it must be there, fail."""
    if under_ci():
        pytest.fail(f"{message}. CI is set, so this is a failure, not a skip.")
    pytest.skip(message)


def engine_problem() -> str | None:
    """What is missing from the engine ``scripts/install-pulumi`` builds, or ``None``."""
    if not os.access(PULUMI, os.X_OK):
        return f"{PULUMI.relative_to(REPO)} is missing"
    for name in LAUNCHERS:
        if not os.access(ENGINE_BIN / name, os.X_OK):
            return f"the launcher {(ENGINE_BIN / name).relative_to(REPO)} is missing"
    if not os.access(POLICY_PACK, os.X_OK):
        return f"{POLICY_PACK.relative_to(REPO)} (the policy pack's launcher link) is missing"
    pack_python = POLICY_PACK.parent / "venv" / "bin" / "python"
    if not os.access(pack_python, os.X_OK):
        return "policies/venv (the pack's virtualenv, a link `make setup` makes) is missing"
    with tempfile.TemporaryDirectory() as home:  # the CLI writes a log file per command there
        version = subprocess.run(
            [str(PULUMI), "version"],
            env={**os.environ, "PULUMI_HOME": home, "PULUMI_SKIP_UPDATE_CHECK": "true"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    if version.returncode != 0:
        return f"`pulumi version` failed: {version.stderr.strip() or version.stdout.strip()}"
    return None


# -- running commands ------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One finished ``pulumi`` command."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """Standard output and standard error, as a user sees them."""
        return self.stdout + self.stderr

    def describe(self) -> str:
        """The command, its exit status and its output, for assertion messages."""
        return f"$ pulumi {' '.join(self.args)}  -> exit {self.returncode}\n{self.output}"

    def ok(self) -> Run:
        """This run, after asserting that it succeeded."""
        assert self.returncode == 0, self.describe()
        return self


def json_documents(text: str) -> list[Any]:
    """The JSON values printed one after another (``pulumi up --json``: the plan, then events)."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return documents
        document, position = decoder.raw_decode(text, position)
        documents.append(document)


@dataclass
class PulumiProject:
    """A copy of the example project with its own state backend, driven by the real CLI."""

    root: Path
    state: Path
    home: Path
    transcript: list[Run] = field(default_factory=list)

    @classmethod
    def copy_example(cls, where: Path) -> PulumiProject:
        """Copy the example project (its top-level program, stack and config files) to ``where``.

        The copy's ``Pulumi.yaml`` names the repository's virtualenv by absolute path, so the
        program, the providers and the policy pack run where the project is installed.
        """
        root, state, home = where / "project", where / "state", where / "pulumi-home"
        for folder in (root, state, home):
            folder.mkdir(parents=True)
        for entry in REPO.iterdir():
            if (
                entry.is_file()
                and not entry.name.startswith(".")
                and entry.suffix in (".py", ".yaml", ".yml", ".json")
            ):
                shutil.copy2(entry, root / entry.name)
        project = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8"))
        options = project["runtime"].setdefault("options", {})
        options["virtualenv"] = str((REPO / options.get("virtualenv", ".venv")).resolve())
        (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False), "utf-8")
        return cls(root, state, home)

    def env(self) -> dict[str, str]:
        """The environment of every command: offline, this copy's backend, no outside config."""
        env = {
            key: value
            for key, value in os.environ.items()
            # The user's own Pulumi and Gotham settings must not leak into the test.
            if not key.startswith(("PULUMI_", "GOTHAM_"))
        }
        env.update(
            PATH=f"{ENGINE_BIN}{os.pathsep}{env.get('PATH', '')}",
            PULUMI_HOME=str(self.home),
            PULUMI_BACKEND_URL=self.state.as_uri(),
            PULUMI_CONFIG_PASSPHRASE=DEV_STACK_PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK="true",
            PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        )
        return env

    def command(self, *args: str) -> list[str]:
        """The full command line of ``pulumi ARGS`` (plain, non-interactive output)."""
        return [str(PULUMI), *args, "--color=never", "--non-interactive"]

    def run(self, *args: str, extra_env: dict[str, str] | None = None) -> Run:
        """Run ``pulumi ARGS`` in the copy and record it in the transcript."""
        finished = subprocess.run(
            self.command(*args),
            cwd=self.root,
            env={**self.env(), **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        run = Run(args, finished.returncode, finished.stdout, finished.stderr)
        self.transcript.append(run)
        return run

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        """Start ``pulumi ARGS`` in a session of its own (so every process it starts can be
        found and killed), writing its output to ``log``."""
        with log.open("wb") as sink:
            return subprocess.Popen(
                self.command(*args),
                cwd=self.root,
                env=self.env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def init_dev_stack(self, hostname: str) -> None:
        """Create the ``dev`` stack from ``Pulumi.dev.yaml`` and point it at ``hostname``.

        ``stack select --create`` keeps the stack file and its encrypted token, as the README's
        walkthrough does; only ``gotham:hostname`` changes, to the test's emulator.
        """
        self.run("stack", "select", "--create", STACK).ok()
        self.run("config", "set", "--stack", STACK, "gotham:hostname", hostname).ok()

    def config_get(self, key: str) -> str:
        """A stack config value, secrets decrypted."""
        return self.run("config", "get", "--stack", STACK, key).ok().stdout.strip()

    def export(self) -> dict[str, Any]:
        """``pulumi stack export`` as JSON."""
        exported: dict[str, Any] = json.loads(
            self.run("stack", "export", "--stack", STACK).ok().stdout
        )
        return exported

    def program(self) -> Path:
        """The copy's program file."""
        return self.root / "__main__.py"


# -- policy findings, both ways -----------------------------------------------------------------

GOTHAM_INBOX = REPO / ".venv" / "bin" / "gotham-inbox"


@dataclass(frozen=True, order=True)
class PolicyFinding:
    """One policy violation as both ``check`` and the engine report it, comparable."""

    policy: str
    level: str
    urn: str
    text: str


def preview_policy_findings(project: PulumiProject, *args: str) -> tuple[Run, list[PolicyFinding]]:
    """``pulumi preview --json ARGS`` with streamed engine events, and its policy findings.

    ``preview --json`` prints only a summary; ``PULUMI_ENABLE_STREAMING_JSON_PREVIEW`` makes it
    stream the engine events, whose ``policyEvent`` carries each violation: the policy's
    description, a newline, then the text the rule reported.
    """
    run = project.run(
        "preview", "--json", *args, extra_env={"PULUMI_ENABLE_STREAMING_JSON_PREVIEW": "true"}
    )
    findings = []
    for document in json_documents(run.stdout):
        event = document.get("policyEvent") if isinstance(document, dict) else None
        if event is None:
            continue
        _, _, text = event["message"].partition("\n")
        findings.append(
            PolicyFinding(
                event["policyName"], event["enforcementLevel"], event["resourceUrn"], text.strip()
            )
        )
    return run, sorted(findings)


def check_policy_findings(
    project: PulumiProject, *args: str
) -> tuple[subprocess.CompletedProcess[str], list[PolicyFinding]]:
    """``gotham-inbox check --format json ARGS`` on the copy, and its findings."""
    finished = subprocess.run(
        [str(GOTHAM_INBOX), "check", str(project.root), "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    if finished.returncode not in (0, 1):
        return finished, []
    report = json.loads(finished.stdout)
    findings = [
        PolicyFinding(
            item["policy"],
            item["level"],
            item["urn"],
            f"{item['field']}: {item['message']}" if item["field"] else item["message"],
        )
        for item in report["violations"]
    ]
    return finished, sorted(findings)


def preview_exemptions(run: Run) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The exceptions (id, reason) the engine applied, by (policy, URN), from a streamed
    ``preview --json`` (a policy event's ``exceptions``)."""
    exempted: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for document in json_documents(run.stdout):
        event = document.get("policyEvent") if isinstance(document, dict) else None
        if event and event.get("exceptions"):
            exempted[(event["policyName"], event["resourceUrn"])] = [
                (item["id"], item["reason"]) for item in event["exceptions"]
            ]
    return exempted


def check_exemptions(
    finished: subprocess.CompletedProcess[str],
) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """The same from ``gotham-inbox check --format json`` (a violation's ``exceptions``)."""
    return {
        (item["policy"], item["urn"]): [
            (found["id"], found["reason"]) for found in item["exceptions"]
        ]
        for item in json.loads(finished.stdout)["violations"]
        if item["exceptions"]
    }


# -- what the engine planned, did and recorded -------------------------------------------------


def inbox_messages_of(inputs_or_outputs: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    """The messages of an inbox resource (``message`` or ``messages``)."""
    if type_ == MESSAGE_TYPE:
        return [inputs_or_outputs["message"]]
    messages: list[dict[str, Any]] = inputs_or_outputs["messages"]
    return messages


@dataclass(frozen=True)
class PlannedResource:
    """A resource in the engine's plan (``pulumi preview --json`` / ``pulumi up --json``)."""

    urn: str
    type: str
    op: str
    parent: str
    inputs: dict[str, Any]

    @property
    def name(self) -> str:
        """The resource's name (the last part of its URN)."""
        return self.urn.rsplit("::", 1)[-1]

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages it sends, each with its ``sourceId``."""
        return inbox_messages_of(self.inputs, self.type)


def planned_inbox_resources(plan: dict[str, Any]) -> list[PlannedResource]:
    """The inbox resources of a plan, in the plan's order."""
    found = []
    for step in plan["steps"]:
        state = step.get("newState") or {}
        if state.get("type") in INBOX_TYPES:
            found.append(
                PlannedResource(
                    step["urn"], state["type"], step["op"], state["parent"], state["inputs"]
                )
            )
    return found


def declared_messages(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every message of a plan, by ``sourceId``."""
    declared: dict[str, dict[str, Any]] = {}
    for resource in planned_inbox_resources(plan):
        for message in resource.messages:
            assert message["sourceId"] not in declared, f"sourceId twice in the plan: {message}"
            declared[message["sourceId"]] = message
    return declared


@dataclass(frozen=True)
class EngineEvent:
    """One engine event of ``pulumi up --json``: its kind, operation and resource."""

    sequence: int
    kind: str
    op: str | None
    urn: str | None
    body: dict[str, Any]


def engine_events(documents: list[Any]) -> list[EngineEvent]:
    """The engine events that follow the plan in ``pulumi up --json`` output."""
    events = []
    for document in documents:
        if not isinstance(document, dict) or "sequence" not in document:
            continue
        (kind,) = [key for key in document if key not in ("sequence", "timestamp")]
        body = document[kind] if isinstance(document[kind], dict) else {}
        metadata = body.get("metadata") or {}
        events.append(
            EngineEvent(document["sequence"], kind, metadata.get("op"), metadata.get("urn"), body)
        )
    return events


@dataclass(frozen=True)
class Update:
    """A finished ``pulumi up --json`` (or ``destroy --json``): plan, events and summary."""

    run: Run
    plan: dict[str, Any]
    events: list[EngineEvent]

    @classmethod
    def of(cls, run: Run) -> Update:
        """Parse the output of ``run``; the output goes into the error if it does not parse."""
        try:
            documents = json_documents(run.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"unreadable --json output ({error}):\n{run.describe()}") from None
        plans = [d for d in documents if isinstance(d, dict) and "steps" in d]
        assert plans, f"no plan in the output:\n{run.describe()}"
        return cls(run, plans[0], engine_events(documents))

    @property
    def summary(self) -> dict[str, Any]:
        """The ``summaryEvent``: ``result``, ``resourceChanges``, ``PolicyPacks``..."""
        (summary,) = [event.body for event in self.events if event.kind == "summaryEvent"]
        return summary

    def sequence_of(self, kind: str, urn: str) -> int:
        """The sequence number of the ``kind`` event of resource ``urn``."""
        found = [e.sequence for e in self.events if e.kind == kind and e.urn == urn]
        assert found, f"no {kind} for {urn} in:\n{self.run.describe()}"
        return found[0]

    def ops_by_urn(self) -> dict[str, set[str]]:
        """Each resource's step operations (``create``, ``same``, ``replace``...)."""
        ops: dict[str, set[str]] = {}
        for event in self.events:
            if event.kind == "resourcePreEvent" and event.urn and event.op:
                ops.setdefault(event.urn, set()).add(event.op)
        return ops


def state_resources(exported: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources of an exported stack state."""
    resources: list[dict[str, Any]] = exported["deployment"].get("resources") or []
    return resources


def pending_operations(exported: dict[str, Any]) -> list[dict[str, Any]]:
    """The operations an interrupted update left pending in an exported state."""
    pending: list[dict[str, Any]] = exported["deployment"].get("pending_operations") or []
    return pending


def decoded_strings(value: Any) -> Iterator[bytes]:
    """Every string in ``value`` that is valid base64, decoded (e.g. a pickled provider)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from decoded_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from decoded_strings(item)
    elif isinstance(value, str) and len(value) >= 16:
        with contextlib.suppress(binascii.Error, ValueError):
            yield base64.b64decode(value, validate=True)


# -- the emulator's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class EmulatorRequest:
    """One request the emulator answered, from its request log."""

    method: str
    path: str
    status: int


class _Recorder(logging.Handler):
    def __init__(self, into: list[EmulatorRequest]) -> None:
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        match = _REQUEST_LINE.match(line)
        if match is None:
            return
        self.into.append(EmulatorRequest(match["method"], match["path"], int(match["status"])))


@contextlib.contextmanager
def emulator_calls() -> Iterator[list[EmulatorRequest]]:
    """Within the block, collect the requests made to the Gotham API of in-process emulators.

    The emulator logs one line per request (method, path, status); the test's own reads of
    ``/emulator/...`` are left out, so the list holds exactly what the deploy called.
    """
    seen: list[EmulatorRequest] = []
    recorded: list[EmulatorRequest] = []
    logger = logging.getLogger(EMULATOR_LOGGER)
    handler = _Recorder(seen)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield recorded
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        recorded.extend(request for request in seen if not request.path.startswith("/emulator/"))


def sends(requests: list[EmulatorRequest]) -> list[EmulatorRequest]:
    """The requests to the send endpoint."""
    return [request for request in requests if request.path == SEND_PATH]


# -- processes -------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def session_processes(session: int) -> list[int]:
    """The live processes of a session, zombies left out (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
        state, _ppid, _pgrp, sid = stat[stat.rindex(")") + 2 :].split()[:4]
        if int(sid) == session and state != "Z":
            found.append(int(entry.name))
    return found


def kill_session(session: int) -> None:
    """SIGKILL every process left in ``session`` and wait until none is left.

    The engine starts the language host and the provider and analyzer plugins in process groups
    of their own; once the engine is dead they keep running, as they would until a CI runner
    or an operating system reaps them.
    """
    for pid in session_processes(session):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not session_processes(session), f"the processes of session {session} end")


def kill_up_once_gotham_stored_a_message(
    project: PulumiProject, emulator: RunningEmulator, log: Path, *, successes_only: bool = False
) -> list[dict[str, Any]]:
    """Start `pulumi up`, SIGKILL it while Gotham holds its answer; the messages stored then.

    ``successes_only``: refusals are answered at once, only an answer to a stored request is
    held (a host that refuses sourceIds refuses the first try; the kill comes after the next).
    """
    with emulator.hold_answers(successes_only=successes_only) as gate:
        engine = project.start("up", "--yes", "--stack", STACK, log=log)
        try:
            wait_until(
                lambda: gate.held > 0 or engine.poll() is not None,
                "the deploy's first request reaches the emulator",
            )
            assert engine.poll() is None, f"`pulumi up` ended on its own:\n{log.read_text()}"
            os.kill(engine.pid, signal.SIGKILL)
            assert engine.wait() == -signal.SIGKILL
        finally:
            # The language host and the plugins outlive the engine; end them as CI would.
            kill_session(engine.pid)
            engine.wait()
        # Read while the answers are still held: nothing else can arrive any more.
        return emulator.messages()

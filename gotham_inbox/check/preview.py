"""The child side of the runner: a stack's program run under Pulumi's mocks as a preview runs it.

``pulumi preview`` of a new stack creates nothing, so what the program did not set itself is
unknown: a resource's outputs beyond its inputs, its id, the result of an invoke the engine
cannot answer yet, another stack's outputs. The mocks here run the program with
``preview=True`` (the SDK then resolves every output the mocks leave out as unknown, as it does
for the engine's answers) and answer from what the user declared
(:mod:`gotham_inbox.check.mock_answers`), else leave the value unknown:

- a resource: its inputs, plus the declared outputs of its type; its id is the declared ``id``,
  else unknown (an empty id, as a provider answers during preview);
- an invoke: the declared result, else unknown. The output form (``get_x_output``) is then an
  unknown ``Output``. The plain form (``get_x()``) cannot be unknown type-safely in Python: a
  field the user did not declare reads as ``None`` (which passes the generated SDKs' type
  checks, ``if x and not isinstance(x, ...)``), and its token is recorded
  (:class:`PlainInvokes`): ``check`` then gives no verdict built on it (exit 2, naming it).
  A field left out of a declared invoke's answer is recorded in the output form too (a known
  ``Output`` cannot hold one unknown field);
- a stack reference: the declared outputs, else unknown (an output not declared of a declared
  stack too).

The collector turns any value holding an unknown into the engine's sentinel, so the policies
skip it exactly as the pack does under a real preview, and ``check`` lists it as judged at
``pulumi up``.
"""

from __future__ import annotations

import asyncio
import linecache
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gotham_inbox.policy.inbox_resource import (
    BATCH_TYPES,
    INBOX_TYPES,
    MESSAGE_TYPES,
)
from gotham_inbox.unknowns import UNKNOWN_STRING

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
GET_RESOURCE_TOKEN = "pulumi:pulumi:getResource"


def plain(value: Any) -> Any:
    """A deserialized property value as plain JSON; anything unknown becomes the engine's
    sentinel, and so does a string built from one (``f"http://{unknown}"``)."""
    from pulumi.output import Unknown

    if isinstance(value, Unknown):
        return UNKNOWN_STRING
    if isinstance(value, str):
        return UNKNOWN_STRING if UNKNOWN_STRING in value else value
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, int | float | bool):
        return value
    return str(value)


def library_roots() -> tuple[Path, ...]:
    """Folders whose frames and modules are not the program's: gotham-inbox's packages (both
    spellings: in a checkout ``gotham_inbox/providers`` links to ``providers/``) and the
    interpreter's prefixes (a project's virtualenv may sit inside the project)."""
    import gotham_inbox
    import gotham_inbox.providers

    packages = (gotham_inbox, gotham_inbox.providers)
    folders = [Path(package.__file__ or "").parent for package in packages]
    roots = {path for folder in folders for path in (folder, folder.resolve())}
    roots |= {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    return tuple(roots)


def is_program_file(path: Path, directory: Path, libraries: tuple[Path, ...]) -> bool:
    """True for a file of the program itself: inside the project, not a library's."""
    return path.is_relative_to(directory) and not any(
        path.is_relative_to(library) for library in libraries
    )


def _source(frames: Any, directory: Path, libraries: tuple[Path, ...]) -> dict[str, Any] | None:
    # The SDK sends the stack at registration; the first frame inside the project is where
    # the program declared the resource (frames in the SDK or a providers package are skipped).
    for frame in frames:
        uri = frame.pc.uri
        if not uri.startswith("file://"):
            continue
        path = Path(unquote(urlparse(uri).path))
        if not is_program_file(path, directory, libraries):
            continue
        # A resource class defined in the program itself is not where the resource is declared.
        if "__init__(" in linecache.getline(str(path), frame.pc.line):
            continue
        return {"path": path.relative_to(directory).as_posix(), "line": frame.pc.line}
    return None


def mock_outputs(resource_type: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A resource's outputs at preview: its inputs (as the engine previews a create), plus the
    source ids the inbox provider derives from its inputs (see the contract)."""
    outputs = dict(inputs)
    if resource_type in MESSAGE_TYPES and isinstance(inputs.get("message"), dict):
        outputs["sourceId"] = inputs["message"].get("sourceId")
    if resource_type in BATCH_TYPES and isinstance(inputs.get("messages"), list):
        outputs["sourceIds"] = [
            item.get("sourceId") for item in inputs["messages"] if isinstance(item, dict)
        ]
    return outputs


def engine_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a resource: the parent's whole type chain, the root stack left
    out (Pulumi's mocks keep only the parent's last type, and the stack's), so that ``check``
    names each resource exactly as ``pulumi preview`` does."""
    if parent:
        qualified = parent.split("::")[2]
        if qualified != ROOT_STACK_TYPE:
            type_ = f"{qualified}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class PlainInvokes:
    """The plain-form invokes of one run whose answer, or a field of it, was not declared.

    A plain-form result is a value, never an ``Output``: it cannot be unknown. What was not
    declared reads as ``None`` and is recorded here, so that the run is not judged on it.
    """

    def __init__(self) -> None:
        self.calls: Mapping[str, Mapping[str, Any]] = {}
        self.undeclared: set[str] = set()

    def reset(self, calls: Mapping[str, Mapping[str, Any]]) -> None:
        """A new run, whose declared answers are ``calls`` (token -> field -> value)."""
        self.calls = calls
        self.undeclared = set()

    def read(self, token: str, name: str) -> None:
        """The program read field ``name`` of ``token``'s plain result."""
        declared = self.calls.get(token)
        if declared is None:
            self.undeclared.add(token)
        elif name not in declared and _camel(name) not in declared:
            self.undeclared.add(f"{token} (field {_camel(name)})")


PLAIN_INVOKES = PlainInvokes()
"""This process's record (one run at a time)."""


class _RecordedFields(dict[str, Any]):
    """A plain invoke's result, which records each field read that was not declared."""

    def __init__(self, token: str, items: Mapping[str, Any]) -> None:
        super().__init__(items)
        self._token = token

    def __missing__(self, key: str) -> None:
        PLAIN_INVOKES.read(self._token, key)
        return None

    def __getitem__(self, key: str) -> Any:
        PLAIN_INVOKES.read(self._token, key)
        return super().__getitem__(key) if key in self else None

    def get(self, key: str, default: Any = None) -> Any:
        PLAIN_INVOKES.read(self._token, key)
        return super().get(key, default)


def _recorded_result(token: str, value: Any, typ: type | None) -> Any:
    if typ is None:
        return _RecordedFields(token, value if isinstance(value, Mapping) else {})
    # Generated SDKs read an output type's fields with pulumi.get, i.e. self.__dict__.get.
    result: Any = value if isinstance(value, typ) else object.__new__(typ)
    result.__dict__ = _RecordedFields(token, getattr(value, "__dict__", {}))
    return result


def record_plain_invokes() -> None:
    """Make the plain form of an invoke (``get_ami()``) record what was not declared.

    The SDK gives ``None`` for an unknown invoke, which every generated ``get_x()`` dereferences;
    the result becomes an object whose fields read as ``None`` instead, and every field read
    that was not declared is recorded in :data:`PLAIN_INVOKES`. Idempotent.
    """
    import pulumi.runtime

    # pulumi.runtime.invoke is the function; its module is only reachable by name.
    invoke_module = sys.modules["pulumi.runtime.invoke"]
    original: Callable[..., Any] = getattr(invoke_module, "invoke")  # noqa: B009
    if getattr(original, "_gotham_inbox_recorded", False):
        return

    def invoke(
        tok: str, props: Any, opts: Any = None, typ: type | None = None, package_ref: Any = None
    ) -> Any:
        result = original(tok, props, opts, typ, package_ref)
        if tok != GET_RESOURCE_TOKEN:
            result.value = _recorded_result(tok, result.value, typ)
        return result

    original_output: Callable[..., Any] = getattr(invoke_module, "invoke_output")  # noqa: B009

    def invoke_output(
        tok: str, props: Any, opts: Any = None, typ: type | None = None, package_ref: Any = None
    ) -> Any:
        # An undeclared token stays an unknown Output (the callback never runs); a declared
        # one's fields that the declaration leaves out cannot be unknown inside a known
        # Output, so they are recorded as the plain form's are.
        result = original_output(tok, props, opts, typ, package_ref)
        return result.apply(lambda value: _recorded_result(tok, value, typ))

    invoke._gotham_inbox_recorded = True  # type: ignore[attr-defined]
    setattr(invoke_module, "invoke", invoke)  # noqa: B010 (typed as a plain module)
    setattr(pulumi.runtime, "invoke", invoke)  # noqa: B010 (the name is also a module's)
    setattr(invoke_module, "invoke_output", invoke_output)  # noqa: B010
    setattr(pulumi.runtime, "invoke_output", invoke_output)  # noqa: B010


def _unknown_output() -> Any:
    import pulumi

    loop = asyncio.get_event_loop()
    value, known, secret = loop.create_future(), loop.create_future(), loop.create_future()
    value.set_result(None)
    known.set_result(False)
    secret.set_result(False)
    return pulumi.Output(set(), value, known, secret)


def leave_undeclared_stack_outputs_unknown(stacks: Mapping[str, Mapping[str, Any]]) -> None:
    """Make ``get_output``/``require_output`` of a declared stack reference give an unknown
    ``Output`` for an output name not declared (the SDK would give ``None``, or raise).
    ``stacks`` is read at each call, so one patch serves every run. Idempotent."""
    import pulumi

    _DECLARED_STACKS.clear()
    _DECLARED_STACKS.update(stacks)
    reference = pulumi.StackReference
    if getattr(reference.get_output, "_gotham_inbox_unknown", False):
        return
    for method in ("get_output", "require_output"):
        original = getattr(reference, method)

        def patched(self: Any, name: Any, _original: Any = original) -> Any:
            def answer(names: list[Any]) -> Any:
                stack, key = names
                declared = _DECLARED_STACKS.get(str(stack))
                if declared is None or key in declared:
                    return _original(self, key)
                return _unknown_output()

            return pulumi.Output.all(self.name, name).apply(answer)

        patched._gotham_inbox_unknown = True  # type: ignore[attr-defined]
        setattr(reference, method, patched)


_DECLARED_STACKS: dict[str, Mapping[str, Any]] = {}


def preview_mocks(answers: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> Any:
    """Pulumi mocks answering resources, invokes and stack references from ``answers``."""
    from pulumi.runtime import mocks

    outputs = answers.get("resources") or {}
    stacks = answers.get("stacks") or {}

    class PreviewMocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
            if args.typ == STACK_REFERENCE_TYPE:
                name = str(args.inputs.get("name") or args.resource_id or args.name)
                declared = stacks.get(name)
                state: dict[str, Any] = {"name": name}
                if declared is not None:
                    state.update(outputs=dict(declared), secretOutputNames=[])
                return args.resource_id or name, state
            declared = outputs.get(args.typ, {})
            state = mock_outputs(args.typ, args.inputs)
            state.update({key: value for key, value in declared.items() if key != "id"})
            # An id the provider has not assigned is unknown during preview (an empty id);
            # a read (Resource.get) keeps the id it was given.
            return str(declared.get("id") or args.resource_id or ""), state

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
            # Never reached for an undeclared token: the monitor answers it as unknown.
            return dict((answers.get("calls") or {}).get(args.token, {})), []

    return PreviewMocks()


def collecting_monitor(
    local: Any,
    *,
    stack: str,
    project: str,
    directory: Path,
    libraries: tuple[Path, ...],
    calls: Mapping[str, Any],
    collected: list[dict[str, Any]],
    counted: list[int],
) -> Any:
    """A mock monitor over the mocks ``local`` that names resources as the engine does, answers
    an invoke of a token not in ``calls`` as unknown, records each inbox resource registered
    (type, engine URN, name, plain inputs, program line) in ``collected`` and counts every
    resource but the root stack in ``counted[0]``."""
    from pulumi.runtime import mocks, rpc
    from pulumi.runtime.proto import resource_pb2

    class CollectingMonitor(mocks.MockMonitor):
        def make_urn(self, parent: str, type_: str, name: str) -> str:
            return engine_urn(stack, project, parent, type_, name)

        def Invoke(self, request: Any) -> Any:
            # getResource is the SDK's own lookup of a registered resource, which the mocks serve.
            if request.tok in calls or request.tok == GET_RESOURCE_TOKEN:
                return super().Invoke(request)  # type: ignore[no-untyped-call]
            return resource_pb2.ResourceInvokeResponse(unknown=True)

        def ReadResource(self, request: Any) -> Any:
            counted[0] += 1
            return super().ReadResource(request)  # type: ignore[no-untyped-call]

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
                        "inputs": plain(inputs),
                        "source": _source(request.stackTrace.frames, directory, libraries),
                    }
                )
            return response

    return CollectingMonitor(local)


class ProgramSession:
    """Runs one program again and again in this process, with fresh SDK state each time.

    Between two runs it resets what the Pulumi SDK keeps in globals (settings, the root stack
    resource, config, mocks) and forgets the program's own modules, so a module that reads
    config when it is imported reads this run's config.
    """

    def __init__(self, setup: Mapping[str, Any]) -> None:
        self.directory = Path(setup["directory"]).resolve()
        # A child started ahead of its project (prestart) starts elsewhere.
        os.chdir(self.directory)
        self.program = str(setup["program"])
        self.project = str(setup["project"])
        self.stack = str(setup["stack"])
        self.secret_keys = list(setup["secretKeys"])
        self.answers: Mapping[str, Any] = setup.get("answers") or {}
        sys.path.insert(0, str(self.directory))
        self.libraries = library_roots()
        self.module_verdicts: dict[str, bool] = {}
        self.loop: asyncio.AbstractEventLoop | None = None

    def undeclared_calls(self) -> list[str]:
        """The plain-form invokes of the last run answered without a declaration."""
        return sorted(PLAIN_INVOKES.undeclared)

    def _forget_program_modules(self) -> None:
        # Resolving every loaded module's path on each run would cost more than the run itself:
        # the verdict per module file is remembered.
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if not isinstance(file, str):
                continue
            ours = self.module_verdicts.get(file)
            if ours is None:
                ours = is_program_file(Path(file).resolve(), self.directory, self.libraries)
                self.module_verdicts[file] = ours
            if ours:
                del sys.modules[name]

    def run(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Run the program with ``request``'s config and answers; what it registered."""
        import runpy

        import pulumi
        from pulumi.runtime import mocks

        from gotham_inbox.check.mock_answers import merged

        answers = merged(self.answers, request.get("answers"))
        collected: list[dict[str, Any]] = []
        counted = [0]
        self._forget_program_modules()
        record_plain_invokes()
        PLAIN_INVOKES.reset(answers.get("calls") or {})
        leave_undeclared_stack_outputs_unknown(answers.get("stacks") or {})
        if self.loop is None:
            # One event loop for the session: its thread pool (the SDK registers resources
            # from threads) is started once, not once per run. A failed run gets a new one.
            self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        succeeded = False
        try:
            pulumi.runtime.settings.reset_options()
            pulumi.runtime.set_all_config(dict(request["config"]), self.secret_keys)
            local = preview_mocks(answers)
            mocks.set_mocks(
                local,
                project=self.project,
                stack=self.stack,
                preview=True,
                monitor=collecting_monitor(
                    local,
                    stack=self.stack,
                    project=self.project,
                    directory=self.directory,
                    libraries=self.libraries,
                    calls=answers.get("calls") or {},
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
        return {
            "resources": collected,
            "resourceCount": counted[0],
            "undeclaredCalls": self.undeclared_calls(),
        }

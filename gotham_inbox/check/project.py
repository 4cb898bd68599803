"""Finding a Pulumi project's program, stack and configuration on disk, without the CLI.

``gotham-inbox check`` reads ``Pulumi.yaml`` (project name, runtime, ``main``), picks the stack
(``--stack``, else the only ``Pulumi.<stack>.yaml``, else ``dev``), and reads that stack's
``config:`` the way the CLI presents it to a program: keys namespaced with the project name when
they have none, values as strings (objects as JSON). Secure values are never decrypted: they are
handed to the program as their opaque ciphertext, marked secret, and the policies ignore them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gotham_inbox.documents import DocumentError, load_document
from gotham_inbox.errors import UserError
from gotham_inbox.policy.pack_config import (
    PackConfigFile,
    ResolvedPolicy,
    parse_pack_config,
    read_pack_config_file,
)
from gotham_inbox.providers.settings import unknown_setting_problems
from gotham_inbox.validation import short_repr

DEFAULT_STACK = "dev"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


class ProjectError(UserError):
    """The project, its program or its stack config cannot be used; the text says why."""


@dataclass(frozen=True)
class StackProject:
    """A project directory and the stack to check."""

    directory: Path
    project: str
    program: Path
    stack: str
    stack_file: Path | None
    config: Mapping[str, str] = field(default_factory=dict)
    secret_keys: frozenset[str] = frozenset()

    @property
    def plain_config(self) -> dict[str, str]:
        """The config without secret values (what the policies may read)."""
        return {key: value for key, value in self.config.items() if key not in self.secret_keys}


def _read_yaml(path: Path) -> Any:
    try:
        return load_document(path, "yaml")
    except DocumentError as error:
        raise ProjectError(str(error)) from None


def _runtime_name(runtime: object) -> str | None:
    if isinstance(runtime, str):
        return runtime
    if isinstance(runtime, dict) and isinstance(runtime.get("name"), str):
        return str(runtime["name"])
    return None


def _program(directory: Path, main: object) -> Path:
    target = directory / main if isinstance(main, str) and main else directory
    program = target / "__main__.py" if target.is_dir() else target
    if not program.is_file():
        raise ProjectError(
            f"no Python program at {program}; a Pulumi Python project needs __main__.py "
            "(or 'main:' in Pulumi.yaml naming the program)"
        )
    return program


def config_text(value: Any) -> str:
    """A typed config value as the program gets it (the CLI hands config to programs as
    strings): text as it is, ``true``/``false``, numbers, structured values as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _config_values(
    raw: object, project: str, source: Path, *, project_level: bool
) -> tuple[dict[str, str], set[str]]:
    if raw is None:
        return {}, set()
    if not isinstance(raw, dict):
        raise ProjectError(f"{source}: 'config' must be a mapping of keys to values")
    values: dict[str, str] = {}
    secrets: set[str] = set()
    for key, value in raw.items():
        name = _namespaced(str(key), project)
        if (
            project_level
            and isinstance(value, dict)
            and ({"default", "value", "type"} & value.keys())
        ):
            # Pulumi.yaml declares config with a type and an optional default or value.
            if "value" in value:
                value = value["value"]
            elif "default" in value:
                value = value["default"]
            else:
                continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            secrets.add(name)
            values[name] = str(value["secure"])
            continue
        values[name] = config_text(value)
    return values, secrets


STACK_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
"""What Pulumi allows in a stack name: letters, digits, ``_``, ``.`` and ``-``."""


def _pick_stack(directory: Path, requested: str | None) -> tuple[str, Path | None]:
    if requested is not None and not STACK_NAME.match(requested):
        raise ProjectError(
            f"--stack {short_repr(requested)} is not a stack name (letters, digits, '_', '.' "
            "and '-'; the stack, not org/project/stack)"
        )
    files = {
        path.name[len("Pulumi.") : -len(path.suffix)]: path
        for path in sorted(directory.glob("Pulumi.*.y*ml"))
        if path.suffix in (".yaml", ".yml")
    }
    if requested is not None:
        if requested in files:
            return requested, files[requested]
        if files:
            raise ProjectError(
                f"no Pulumi.{requested}.yaml in {directory}; stacks found: {', '.join(files)}"
            )
        return requested, None
    if len(files) == 1:
        name, path = next(iter(files.items()))
        return name, path
    if DEFAULT_STACK in files:
        return DEFAULT_STACK, files[DEFAULT_STACK]
    if not files:
        return DEFAULT_STACK, None
    raise ProjectError(
        f"{directory} has several stacks ({', '.join(files)}); choose one with --stack"
    )


def load_project(
    directory: Path, stack: str | None = None, *, require_program: bool = True
) -> StackProject:
    """The project in ``directory`` and the stack to check; :class:`ProjectError` if unusable.

    ``require_program`` False reads the project and stack config of any runtime, without
    looking for a Python program (``gotham-inbox announce``, which runs no program; its
    ``program`` is then the directory).
    """
    directory = directory.resolve()
    project_file = next(
        (directory / name for name in PROJECT_FILES if (directory / name).is_file()), None
    )
    if project_file is None:
        raise ProjectError(f"no Pulumi.yaml in {directory}; point check at a Pulumi project")
    settings = _read_yaml(project_file)
    if not isinstance(settings, dict) or not isinstance(settings.get("name"), str):
        raise ProjectError(f"{project_file} must be a mapping with a 'name'")
    project = str(settings["name"])
    runtime = _runtime_name(settings.get("runtime"))
    if require_program and runtime != "python":
        raise ProjectError(
            f"{project_file}: runtime is {runtime!r}; gotham-inbox check runs Python programs only"
        )
    program = _program(directory, settings.get("main")) if require_program else directory
    stack_name, stack_file = _pick_stack(directory, stack)
    config, secrets = _config_values(
        settings.get("config"), project, project_file, project_level=True
    )
    if stack_file is not None:
        stack_settings = _read_yaml(stack_file) or {}
        if not isinstance(stack_settings, dict):
            raise ProjectError(f"{stack_file} must be a mapping")
        stack_config, stack_secrets = _config_values(
            stack_settings.get("config"), project, stack_file, project_level=False
        )
        config.update(stack_config)
        secrets = (secrets - stack_config.keys()) | stack_secrets
    return StackProject(
        directory, project, program, stack_name, stack_file, config, frozenset(secrets)
    )


def setting_problems(project: StackProject) -> list[str]:
    """The config keys meant for gotham-inbox that are not its settings (a misspelt
    ``gotham:*`` name, or the namespace in another case), each with "did you mean" and the
    file that sets it: ``Pulumi.<stack>.yaml``, else ``Pulumi.yaml``'s ``config:`` block.
    None in the project's own namespace (a project named ``gotham`` shares it)."""
    in_stack: set[str] = set()
    if project.stack_file is not None:
        # The merged config does not say where a key came from: the stack file's own keys do.
        raw = _read_yaml(project.stack_file)
        declared = raw.get("config") if isinstance(raw, dict) else None
        if isinstance(declared, dict):
            in_stack = {_namespaced(str(key), project.project) for key in declared}
    project_file = next(
        (name for name in PROJECT_FILES if (project.directory / name).is_file()), PROJECT_FILES[0]
    )
    keys = [key for key in project.config if key.partition(":")[0] != project.project]
    stack_keys = [key for key in keys if key in in_stack]
    project_keys = [key for key in keys if key not in in_stack]
    where = project.stack_file.name if project.stack_file else "the stack config"
    return [f"{where}: {problem}" for problem in unknown_setting_problems(stack_keys)] + [
        f"{project_file}: {problem}"
        for problem in unknown_setting_problems(project_keys, in_project_file=True)
    ]


POLICY_CONFIG_NAMES = ("policy-config.{stack}.json", "policy-config.json")
"""Where ``check`` looks for the policy config beside Pulumi.yaml, first match wins."""


def default_policy_config(project: StackProject) -> Path | None:
    """``policy-config.<stack>.json``, else ``policy-config.json``, beside Pulumi.yaml."""
    for pattern in POLICY_CONFIG_NAMES:
        candidate = project.directory / pattern.format(stack=project.stack)
        if candidate.is_file():
            return candidate
    return None


def load_policy_config(
    project: StackProject, path: Path | None = None
) -> tuple[Path | None, dict[str, ResolvedPolicy]]:
    """The policy config a check of ``project`` uses, and the file it came from.

    ``path`` (``--policy-config``), else :func:`default_policy_config`, else no file: every
    policy's defaults.

    Raises:
        PolicyConfigError: the file cannot be read or does not resolve.
    """
    path, file = load_policy_config_file(project, path)
    return path, file.settings


def load_policy_config_file(
    project: StackProject, path: Path | None = None
) -> tuple[Path | None, PackConfigFile]:
    """As :func:`load_policy_config`, with the file's policy exceptions (a version-2 file's)."""
    path = path or default_policy_config(project)
    return path, read_pack_config_file(path) if path else parse_pack_config(None)

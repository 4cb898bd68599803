"""An example's config as the ``pulumi config`` commands that put it in the stack file.

Only keys whose value differs from the stack's current one get a command. Values are quoted for
a POSIX shell (:func:`shlex.quote`; a value with a newline stays one quoted argument); a value
that starts with ``-`` comes after ``--`` so the CLI does not read it as a flag. An array is set
whole with ``pulumi config set-all --json`` (value and ``objectValue``, the shape ``pulumi config
--json`` prints): ``--path 'key[0]'`` cannot write an empty list, and would turn the strings
``true`` or ``12`` into a boolean and a number.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from gotham_inbox.check.project import StackProject, config_text
from gotham_inbox.explore.domains import DeclaredKey


def config_set_commands(
    project: StackProject, keys: list[DeclaredKey], config: Mapping[str, Any]
) -> list[str]:
    """The commands that turn the stack's config into ``config`` (secret keys never appear)."""
    commands = []
    stack = shlex.quote(project.stack)
    for key in keys:
        if key.secret or key.key not in config:
            continue
        value = config[key.key]
        text = config_text(value)
        if project.config.get(key.key) == text:
            continue
        if isinstance(value, list | dict):
            document = {key.key: {"value": text, "objectValue": value, "secret": False}}
            payload = json.dumps(document, ensure_ascii=False)
            commands.append(f"pulumi config set-all --stack {stack} --json {shlex.quote(payload)}")
            continue
        separator = "-- " if text.startswith("-") else ""
        commands.append(
            f"pulumi config set --stack {stack} {separator}{shlex.quote(key.short)} "
            f"{shlex.quote(text)}"
        )
    return commands

"""What ``check --explore`` may vary: the config keys Pulumi.yaml declares, and their domains.

A key's domain is its declared ``type`` (``string``, ``integer``, ``boolean``, ``array`` with
``items``), narrowed by the JSON Schema the explore file gives it (see :mod:`.schema_file`). Secret
keys (``secret: true`` in Pulumi.yaml, or a ``secure:`` value in the stack file) are never
explored: they keep the stack's value, which is never decrypted and never printed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.check.project import PROJECT_FILES, ProjectError, StackProject
from gotham_inbox.documents import DocumentError, load_document

DECLARED_TYPES: Mapping[str, Mapping[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "array": {"type": "array"},
}
"""Pulumi.yaml's config types and the JSON Schema of the values each admits."""


@dataclass(frozen=True)
class DeclaredKey:
    """A config key Pulumi.yaml declares with a ``type``."""

    key: str
    """The namespaced key (``project:name``), as the program's ``pulumi.Config`` sees it."""
    short: str
    """The key as Pulumi.yaml and ``pulumi config set`` write it (``name``)."""
    type: str
    items: Mapping[str, Any] | None
    default: Any
    has_default: bool
    secret: bool

    @property
    def type_schema(self) -> dict[str, Any]:
        """The JSON Schema of the values the declared type admits."""
        schema = dict(DECLARED_TYPES[self.type])
        if self.type == "array" and self.items is not None:
            schema["items"] = _items_schema(self.items)
        return schema


def _items_schema(items: Mapping[str, Any]) -> dict[str, Any]:
    item_type = items.get("type")
    if item_type not in DECLARED_TYPES:
        return {}
    schema = dict(DECLARED_TYPES[str(item_type)])
    if item_type == "array" and isinstance(items.get("items"), Mapping):
        schema["items"] = _items_schema(items["items"])
    return schema


def _project_file(project: StackProject) -> Path:
    for name in PROJECT_FILES:
        if (project.directory / name).is_file():
            return project.directory / name
    raise ProjectError(f"no Pulumi.yaml in {project.directory}")


def declared_keys(project: StackProject) -> list[DeclaredKey]:
    """The config keys the project's Pulumi.yaml declares with a type, in file order."""
    path = _project_file(project)
    try:
        settings = load_document(path, "yaml")
    except DocumentError as error:
        raise ProjectError(str(error)) from None
    config = settings.get("config") if isinstance(settings, dict) else None
    if not isinstance(config, dict):
        return []
    keys = []
    for name, declaration in config.items():
        if not isinstance(declaration, dict) or "type" not in declaration:
            continue
        declared_type = declaration["type"]
        if declared_type not in DECLARED_TYPES:
            raise ProjectError(
                f"{path}: config.{name}.type is {declared_type!r}; Pulumi's config types are "
                f"{', '.join(DECLARED_TYPES)}"
            )
        items = declaration.get("items")
        if declared_type == "array" and items is not None and not isinstance(items, dict):
            raise ProjectError(f"{path}: config.{name}.items must be a mapping with a 'type'")
        short = str(name)
        key = short if ":" in short else f"{project.project}:{short}"
        keys.append(
            DeclaredKey(
                key=key,
                short=short,
                type=str(declared_type),
                items=items,
                default=declaration.get("default"),
                has_default="default" in declaration,
                secret=bool(declaration.get("secret")) or key in project.secret_keys,
            )
        )
    return keys


def typed_value(key: DeclaredKey, text: str) -> Any:
    """The stack's text value of ``key`` as a value of its declared type (text if it is not)."""
    try:
        if key.type == "integer":
            return int(text)
        if key.type == "boolean" and text in ("true", "false"):
            return text == "true"
        if key.type == "array":
            parsed = json.loads(text)
            return parsed if isinstance(parsed, list) else text
    except ValueError:
        pass
    return text

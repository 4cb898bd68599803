"""The explore file: JSON Schemas that narrow the domains ``check --explore`` draws from.

``gotham-inbox-explore.yaml`` beside Pulumi.yaml (or the file ``--explore-schema`` names), YAML
or JSON::

    config:                      # a JSON Schema per config key Pulumi.yaml declares
      version: {pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$'}
      changelog: {maxLength: 4000}
    outputs:                     # the output properties the mocks generate, by type token
      "aws:s3/bucket:Bucket":
        arn: {type: string, pattern: '^arn:aws:s3:::[a-z0-9.-]{3,63}$'}
    calls:                       # the results of invokes, by function token
      "aws:index/getCallerIdentity:getCallerIdentity":
        accountId: {type: string, pattern: '^[0-9]{12}$'}
    stacks:                      # the outputs of stack references, by stack name
      "acme/network/prod":
        opsGroup: {enum: [platform-team, sre-oncall]}

A config key's schema is combined (``allOf``) with its declared type, so it only narrows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from gotham_inbox.documents import DocumentError, load_document
from gotham_inbox.errors import UserError
from gotham_inbox.explore.domains import DeclaredKey

EXPLORE_FILE = "gotham-inbox-explore.yaml"
"""The explore file ``check --explore`` reads from beside Pulumi.yaml when it exists."""

MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 100_000
"""Values in the file once YAML aliases are expanded: a 15,000-value enum fits, a bomb not."""
MAX_DEPTH = 32
"""Nesting of the file: three levels of sections, then the schemas (real ones nest under 10)."""
MAX_NESTED_ENUM = 1_000
"""Values of an ``enum`` below the top of a schema: hypothesis-jsonschema's cost for one is
quadratic in its size (a top-level enum is drawn directly, at any size up to MAX_VALUES)."""
_BOUND_PAIRS = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minProperties", "maxProperties"),
    ("minimum", "maximum"),
)
_SECTIONS = ("config", "outputs", "calls", "stacks")


class ExploreSchemaError(UserError):
    """The explore file cannot be used; the text names the file, the entry and the fix."""


@dataclass(frozen=True)
class ExploreSchemas:
    """The domains an explore file describes; empty when there is no file."""

    path: Path | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    """Namespaced config key -> JSON Schema."""
    outputs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Resource type token -> output property -> JSON Schema."""
    calls: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Function token -> result property -> JSON Schema."""
    stacks: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Stack reference name -> output name -> JSON Schema."""


def _check_words(path: Path, where: str, schema: object, at: str = "") -> None:
    """What JSON Schema's own check lets through and generation would trip on, by entry."""
    here = f"{where} (at {at})" if at else where
    if isinstance(schema, dict):
        if "$ref" in schema:
            # Each schema stands alone (there is no document to point into).
            raise ExploreSchemaError(
                f"{path}: {here}: $ref is not supported here; write the schema inline"
            )
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            # JSON Schema's check does not compile patterns; a broken one would read as "no
            # value".
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError) as error:
                raise ExploreSchemaError(
                    f"{path}: {here}: pattern {_shown(pattern)} is not a valid regular "
                    f"expression: {error}"
                ) from None
        for low_word, high_word in _BOUND_PAIRS:
            low, high = schema.get(low_word), schema.get(high_word)
            numbers = (int, float)
            if (
                isinstance(low, numbers)
                and isinstance(high, numbers)
                and not isinstance(low, bool)
                and not isinstance(high, bool)
                and low > high
            ):
                raise ExploreSchemaError(
                    f"{path}: {here}: {low_word} {low} is more than {high_word} {high}, so no "
                    f"value satisfies it; lower {low_word} or raise {high_word}"
                )
        enum = schema.get("enum")
        if at and isinstance(enum, list) and len(enum) > MAX_NESTED_ENUM:
            raise ExploreSchemaError(
                f"{path}: {here}: an enum of {len(enum):,} values inside a schema (at most "
                f"{MAX_NESTED_ENUM:,} there; at the top of an entry's schema, any number)"
            )
        for word, value in schema.items():
            if word not in ("enum", "const", "default", "examples"):
                _check_words(path, where, value, f"{at}/{word}" if at else str(word))
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            _check_words(path, where, item, f"{at}/{index}")


def _shown(text: str, limit: int = 80) -> str:
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _check_schema(path: Path, where: str, schema: object) -> Any:
    if not isinstance(schema, dict | bool):
        raise ExploreSchemaError(
            f"{path}: {where} must be a JSON Schema (a mapping), not {type(schema).__name__}"
        )
    _check_words(path, where, schema)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except RecursionError:
        raise ExploreSchemaError(f"{path}: {where} nests too deep to check") from None
    except jsonschema.SchemaError as error:
        at = "/".join(str(part) for part in error.absolute_path)
        raise ExploreSchemaError(
            f"{path}: {where} is not a valid JSON Schema"
            f"{f' (at {at})' if at else ''}: {error.message}"
        ) from None
    return schema


def _properties(path: Path, section: str, raw: object) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ExploreSchemaError(f"{path}: '{section}' must map tokens to property schemas")
    tokens: dict[str, dict[str, Any]] = {}
    for token, properties in raw.items():
        if not isinstance(properties, dict) or not properties:
            raise ExploreSchemaError(
                f"{path}: {section}.{token} must map property names to JSON Schemas, e.g. "
                "arn: {type: string}"
            )
        tokens[str(token)] = {
            str(name): _check_schema(path, f"{section}.{token}.{name}", schema)
            for name, schema in properties.items()
        }
    return tokens


def load_explore_schemas(
    path: Path | None, keys: list[DeclaredKey], project_name: str
) -> ExploreSchemas:
    """The explore file at ``path`` checked against the declared keys; empty for ``None``."""
    if path is None:
        return ExploreSchemas()
    try:
        # JSON is YAML: one loader, with the bounds every input file is read within.
        raw = load_document(
            path, "yaml", max_bytes=MAX_FILE_BYTES, max_nodes=MAX_VALUES, max_depth=MAX_DEPTH
        )
    except DocumentError as error:
        raise ExploreSchemaError(str(error)) from None
    if raw is None:
        return ExploreSchemas(path)
    if not isinstance(raw, dict):
        raise ExploreSchemaError(f"{path} must be a mapping with {', '.join(_SECTIONS)}")
    unknown = sorted(set(map(str, raw)) - set(_SECTIONS))
    if unknown:
        raise ExploreSchemaError(
            f"{path}: unknown section {unknown[0]!r}; the sections are {', '.join(_SECTIONS)}"
        )
    declared = {key.key: key for key in keys}
    config_raw = raw.get("config") or {}
    if not isinstance(config_raw, dict):
        raise ExploreSchemaError(f"{path}: 'config' must map config keys to JSON Schemas")
    config: dict[str, Any] = {}
    for name, schema in config_raw.items():
        key = str(name) if ":" in str(name) else f"{project_name}:{name}"
        if key not in declared:
            known = ", ".join(k.short for k in keys if not k.secret) or "none"
            raise ExploreSchemaError(
                f"{path}: config.{name} is not a key Pulumi.yaml declares with a type "
                f"(declared: {known}); declare it under config: in Pulumi.yaml, or remove it"
            )
        if declared[key].secret:
            raise ExploreSchemaError(
                f"{path}: config.{name} is a secret key; secret keys are never explored "
                "(their values are never generated or printed): remove it"
            )
        config[key] = _check_schema(path, f"config.{name}", schema)
    return ExploreSchemas(
        path,
        config,
        _properties(path, "outputs", raw.get("outputs")),
        _properties(path, "calls", raw.get("calls")),
        _properties(path, "stacks", raw.get("stacks")),
    )


def default_explore_file(directory: Path) -> Path | None:
    """``gotham-inbox-explore.yaml`` beside Pulumi.yaml, when it exists."""
    candidate = directory / EXPLORE_FILE
    return candidate if candidate.is_file() else None

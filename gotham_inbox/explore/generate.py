"""Hypothesis strategies for a stack's config and the mocks' outputs, from JSON Schemas.

Generation from JSON Schema is ``hypothesis-jsonschema``'s job; this module only puts together
the schema of each key (declared type ``allOf`` the explore file's schema) and says clearly when
the ``explore`` extra is not installed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from gotham_inbox.explore.domains import DeclaredKey
from gotham_inbox.explore.schema_file import ExploreSchemaError, ExploreSchemas

EXTRA = "explore"


class ExploreExtraMissing(Exception):
    """``check --explore`` needs packages of the ``explore`` extra that are not installed."""


def require_extra() -> tuple[ModuleType, ModuleType]:
    """``(hypothesis, hypothesis_jsonschema)``, or :class:`ExploreExtraMissing` naming the fix."""
    try:
        import hypothesis
        import hypothesis_jsonschema
    except ImportError as error:
        raise ExploreExtraMissing(
            f"check --explore needs the '{EXTRA}' extra ({error.name} is not installed); "
            f"install it with: pip install 'gotham-inbox[{EXTRA}]'"
        ) from None
    return hypothesis, hypothesis_jsonschema


def _without_nul(value: Any) -> Any:
    # A config value travels as a command-line argument of `pulumi config set`, which cannot
    # hold a NUL character; nothing else is excluded.
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    return value


MAX_GENERATED_LENGTH = 8192
"""The longest string hypothesis generates (its buffer size): longer limits are not reached."""
UNBOUNDED_SPREAD_LENGTH = 1000
"""How long a string without ``maxLength`` may be drawn: past any title limit, and cheap."""

_SHAPING = ("pattern", "format", "enum", "const", "allOf", "anyOf", "oneOf", "not", "$ref")


def _spread_length(value_type: object, narrowed: object) -> tuple[int, int] | None:
    """The length range to draw a string's length from uniformly, if it is plain text.

    hypothesis draws short text (a handful of characters on average), and a length limit is
    where text breaks a message: a changelog past the body limit, a service name past the
    title's. For a key whose schema says nothing but the type and the lengths, the length is
    drawn first, uniformly up to the longest allowed (``maxLength``, at most
    :data:`MAX_GENERATED_LENGTH`; :data:`UNBOUNDED_SPREAD_LENGTH` without one), in half of the
    examples (the other half are hypothesis's own, short ones: long text costs time to draw).
    The length shrinks like any integer; the text itself still comes from
    ``hypothesis-jsonschema``.
    """
    if value_type != "string":
        return None
    narrowed = narrowed or {}
    if not isinstance(narrowed, Mapping) or any(word in narrowed for word in _SHAPING):
        return None
    low = narrowed.get("minLength", 0)
    high = narrowed.get("maxLength", UNBOUNDED_SPREAD_LENGTH)
    if not isinstance(low, int) or not isinstance(high, int):
        return None
    high = min(high, MAX_GENERATED_LENGTH)
    return (low, high) if low < high else None


def _spread(schema: Mapping[str, Any], low: int, high: int, where: str, source: str) -> Any:
    from hypothesis import strategies as st

    by_length: dict[int, Any] = {}

    def at_least(length: int) -> Any:
        if length not in by_length:
            by_length[length] = _strategy({"allOf": [schema, {"minLength": length}]}, where, source)
        return by_length[length]

    return st.integers(low, high).flatmap(at_least)


def key_schema(key: DeclaredKey, schemas: ExploreSchemas) -> dict[str, Any]:
    """The JSON Schema ``key``'s values are drawn from: its declared type, narrowed."""
    narrowed = schemas.config.get(key.key)
    if narrowed is None:
        return key.type_schema
    return {"allOf": [key.type_schema, narrowed]}


def _strategy(schema: Any, where: str, source: str) -> Any:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
    from hypothesis_jsonschema import from_schema

    try:
        strategy = from_schema(schema)
    except InvalidArgument as error:
        raise ExploreSchemaError(f"{source}: {where}: {error}") from None
    except Exception as error:  # an unresolvable $ref and the like: the user's schema, not us
        raise ExploreSchemaError(
            f"{source}: {where}: hypothesis-jsonschema cannot generate from it "
            f"({type(error).__name__}: {error})"
        ) from None
    if strategy.is_empty:
        raise ExploreSchemaError(
            f"{source}: {where}: no value satisfies its schema (and its declared type); widen it"
        )
    return st.builds(_without_nul, strategy)


def config_strategy(keys: list[DeclaredKey], schemas: ExploreSchemas) -> Any:
    """Dictionaries of a value for every explored key (namespaced key -> typed value)."""
    from hypothesis import strategies as st

    source = str(schemas.path) if schemas.path else "Pulumi.yaml"
    strategies = {}
    for key in keys:
        schema, where = key_schema(key, schemas), f"config.{key.short}"
        strategy = _strategy(schema, where, source)  # refuses an empty domain up front
        spread = _spread_length(key.type, schemas.config.get(key.key))
        if spread is not None:
            strategy = st.one_of(strategy, _spread(schema, *spread, where, source))
        strategies[key.key] = strategy
    return st.fixed_dictionaries(strategies)


def _token_strategy(tokens: Mapping[str, Mapping[str, Any]], section: str, source: str) -> Any:
    from hypothesis import strategies as st

    def value(schema: Any, where: str) -> Any:
        strategy = _strategy(schema, where, source)
        spread = _spread_length(schema.get("type") if isinstance(schema, dict) else None, schema)
        if spread is None:
            return strategy
        return st.one_of(strategy, _spread(schema, *spread, where, source))

    return st.fixed_dictionaries(
        {
            token: st.fixed_dictionaries(
                {
                    name: value(schema, f"{section}.{token}.{name}")
                    for name, schema in properties.items()
                }
            )
            for token, properties in tokens.items()
        }
    )


def outputs_strategy(schemas: ExploreSchemas) -> Any:
    """``{"resources": {type: {property: value}}, "calls": {token: {property: value}},
    "stacks": {name: {output: value}}}``: the answers the runner's mocks give."""
    from hypothesis import strategies as st

    source = str(schemas.path)
    return st.fixed_dictionaries(
        {
            "resources": _token_strategy(schemas.outputs, "outputs", source),
            "calls": _token_strategy(schemas.calls, "calls", source),
            "stacks": _token_strategy(schemas.stacks, "stacks", source),
        }
    )

"""Hypothesis strategies for a stack's config and the mocks' outputs, from JSON Schemas.

Generation from JSON Schema is ``hypothesis-jsonschema``'s job; this module only puts together
the schema of each key (declared type ``allOf`` the explore file's schema) and says clearly when
the ``explore`` extra is not installed.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from gotham_inbox.errors import UserError
from gotham_inbox.explore.domains import DeclaredKey
from gotham_inbox.explore.schema_file import ExploreSchemaError, ExploreSchemas

EXTRA = "explore"

HYPOTHESIS_RANGE = ((6, 100, 0), (6, 170, 10))
"""The hypothesis releases ``check --explore`` works with: from the first, up to (not
including) the second, as the ``explore`` extra of pyproject.toml pins them (a test holds the
two together). hypothesis-jsonschema 0.23 calls ``many.more()``, a hypothesis internal that
6.170.10 replaced: from that release on, every ``type: object`` schema fails to generate."""


class ExploreExtraMissing(UserError):
    """``check --explore`` needs packages of the ``explore`` extra that are not installed (or
    not in the range the extra pins)."""


def _release(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = "".join(itertools.takewhile(str.isdigit, part))
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _dotted(release: tuple[int, ...]) -> str:
    return ".".join(map(str, release))


def hypothesis_requirement() -> str:
    """The requirement the ``explore`` extra gives for hypothesis (``hypothesis>=A,<B``)."""
    low, high = HYPOTHESIS_RANGE
    return f"hypothesis>={_dotted(low[:2])},<{_dotted(high)}"


def require_extra() -> tuple[ModuleType, ModuleType]:
    """``(hypothesis, hypothesis_jsonschema)``, or :class:`ExploreExtraMissing` naming the fix.

    A hypothesis outside :data:`HYPOTHESIS_RANGE` (pip installs one when another requirement
    asks for it, with a warning) is refused here, before anything runs, rather than failing on
    the first object schema.
    """
    try:
        import hypothesis
        import hypothesis_jsonschema
    except ImportError as error:
        raise ExploreExtraMissing(
            f"check --explore needs the '{EXTRA}' extra ({error.name} is not installed); "
            f"install it with: pip install 'gotham-inbox[{EXTRA}]'"
        ) from None
    low, high = HYPOTHESIS_RANGE
    if not low <= _release(hypothesis.__version__) < high:
        raise ExploreExtraMissing(
            f"check --explore works with {hypothesis_requirement()}, and hypothesis "
            f"{hypothesis.__version__} is installed (hypothesis-jsonschema cannot drive it); "
            f"install a supported one with: pip install 'gotham-inbox[{EXTRA}]'"
        )
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


def _cannot_generate(source: str, where: str, error: BaseException) -> ExploreSchemaError:
    # hypothesis's wording spans lines and names its internals; the first sentence is enough.
    reason = " ".join(str(error).split()).split(". ")[0][:200]
    return ExploreSchemaError(
        f"{source}: {where}: no value can be generated from its schema ({reason}); narrow or "
        "simplify it"
    )


def _strategy(schema: Any, where: str, source: str) -> Any:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
    from hypothesis_jsonschema import from_schema

    try:
        strategy = _enum_strategy(schema, where, source)
        if strategy is None:
            strategy = from_schema(schema)
        # Strategies are built lazily: is_empty builds this one, so a schema hypothesis cannot
        # draw from (a repetition past its size limit, a contradiction) is refused here,
        # naming the entry, and not halfway through the search.
        empty = strategy.is_empty
    except ExploreSchemaError:
        raise
    except (InvalidArgument, RecursionError) as error:
        raise _cannot_generate(source, where, error) from None
    except Exception as error:  # an unresolvable $ref and the like: the user's schema, not us
        raise ExploreSchemaError(
            f"{source}: {where}: hypothesis-jsonschema cannot generate from it "
            f"({type(error).__name__}: {' '.join(str(error).split())[:200]})"
        ) from None
    if empty:
        raise ExploreSchemaError(
            f"{source}: {where}: no value satisfies its schema (and its declared type); widen it"
        )
    return st.builds(_without_nul, strategy)


def _enum_parts(schema: Any) -> tuple[list[Any], dict[str, Any]] | None:
    """An ``enum`` at the top of ``schema`` (or of its ``allOf`` parts), and the rest of it."""
    if not isinstance(schema, Mapping):
        return None
    if isinstance(schema.get("enum"), list):
        rest = {word: value for word, value in schema.items() if word != "enum"}
        return list(schema["enum"]), rest
    parts = schema.get("allOf")
    if set(schema) != {"allOf"} or not isinstance(parts, list):
        return None
    for index, part in enumerate(parts):
        found = _enum_parts(part)
        if found is not None:
            values, rest = found
            return values, {"allOf": [*parts[:index], rest, *parts[index + 1 :]]}
    return None


def _enum_strategy(schema: Any, where: str, source: str) -> Any:
    """The values of a top-level ``enum`` that the rest of the schema admits, drawn directly.

    hypothesis-jsonschema checks each value of an enum against a validator of the whole schema,
    the enum included, which compares it with every value: quadratic (a 15,000-value enum took
    30 to 40 s to set up). Checking each value against the schema without its enum is linear.
    """
    import jsonschema
    from hypothesis import strategies as st

    found = _enum_parts(schema)
    if found is None:
        return None
    values, rest = found
    validator = jsonschema.Draft7Validator(rest)
    admitted: list[Any] = []
    distinct: set[str] = set()
    for value in values:
        # A repeated value is drawn once; as in JSON, 1 and true stay two values.
        identity = json.dumps(value, sort_keys=True)
        if identity in distinct or not validator.is_valid(value):
            continue
        distinct.add(identity)
        admitted.append(value)
    if not admitted:
        raise ExploreSchemaError(
            f"{source}: {where}: none of its enum values satisfies the rest of its schema (and "
            "its declared type); widen it"
        )
    return st.sampled_from(admitted)


def _drawable(strategy: Any, where: str, source: str) -> Any:
    """``strategy``, once one value has been drawn from it: else the entry is named.

    A schema can be valid and not empty and still give hypothesis nothing: a ``pattern``
    whose strings its length bounds filter out (``^a{1,100000}$`` with ``minLength: 50000``).
    The search would then fail as a whole ("Unsatisfiable"), without saying which entry; one
    draw per entry, before the search, says it (a few milliseconds for an ordinary schema).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    probe = settings(
        database=None,
        verbosity=Verbosity.quiet,  # hypothesis's "reproduce with @seed" is not for our users
        print_blob=False,
        max_examples=1,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    try:
        find(strategy, lambda _: True, settings=probe)
    except (NoSuchExample, Unsatisfiable):
        raise ExploreSchemaError(
            f"{source}: {where}: no value satisfying its schema could be drawn (a pattern and "
            "length or other bounds that rarely meet?); simplify it"
        ) from None
    return strategy


def config_strategy(keys: list[DeclaredKey], schemas: ExploreSchemas) -> Any:
    """Dictionaries of a value for every explored key (namespaced key -> typed value)."""
    from hypothesis import strategies as st

    source = str(schemas.path) if schemas.path else "Pulumi.yaml"
    strategies = {}
    for key in keys:
        schema, where = key_schema(key, schemas), f"config.{key.short}"
        strategy = _drawable(_strategy(schema, where, source), where, source)
        spread = _spread_length(key.type, schemas.config.get(key.key))
        if spread is not None:
            strategy = st.one_of(strategy, _spread(schema, *spread, where, source))
        strategies[key.key] = strategy
    return st.fixed_dictionaries(strategies)


def _token_strategy(tokens: Mapping[str, Mapping[str, Any]], section: str, source: str) -> Any:
    from hypothesis import strategies as st

    def value(schema: Any, where: str) -> Any:
        strategy = _drawable(_strategy(schema, where, source), where, source)
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

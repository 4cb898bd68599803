"""Each policy's properties: the single source of its config properties and their JSON Schema.

Each policy declares a pydantic model of its properties (a :class:`PolicyProperties`; camelCase,
unknown properties refused). The pack's ``config_schema`` (pulumi_policy's name, made by
:func:`properties_schema`) and ``gotham-inbox check`` both derive from it, so a property means
the same thing, with the same default, under ``pulumi preview`` and under ``check``. The pack's
config file, which sets each policy's level and properties, is :mod:`.pack_config`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from gotham_inbox.errors import UserError
from gotham_inbox.policy.inbox_resource import CALLER_REALM_KEY
from gotham_inbox.suggestions import did_you_mean
from gotham_inbox.validation import format_location


class PolicyConfigError(UserError, ValueError):
    """A policy configuration that cannot be used; the text names the policy and property."""


class PolicyProperties(BaseModel):
    """Base of every policy's model of its config properties."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
    )


def caller_realm_field(purpose: str) -> Any:
    """The ``callerRealm`` property of a policy that resolves recipients (see
    :meth:`~gotham_inbox.policy.inbox_resource.StackContext.caller_realm`); ``purpose`` opens its
    description."""
    return Field(
        default=None,
        min_length=1,
        description=f"{purpose} Defaults to the stack config {CALLER_REALM_KEY}.",
    )


def _inline_refs(node: Any, definitions: Mapping[str, Any]) -> Any:
    # Pulumi validates each property's schema on its own, wrapped in {"type": "object",
    # "properties": ...}, so "#/$defs/..." references would point nowhere: inline them.
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            target = copy.deepcopy(definitions[ref.removeprefix("#/$defs/")])
            extra = {key: value for key, value in node.items() if key != "$ref"}
            return _inline_refs({**target, **extra}, definitions)
        return {
            key: _inline_refs(value, definitions)
            for key, value in node.items()
            # Titles repeat the property names; a null default only says "optional".
            if key != "title" and not (key == "default" and value is None)
        }
    if isinstance(node, list):
        return [_inline_refs(item, definitions) for item in node]
    return node


def properties_schema(model: type[PolicyProperties]) -> dict[str, Any]:
    """The JSON Schema of a policy's config: ``{"type": "object", "properties", ...}``.

    Self-contained (no ``$ref``), with the model's defaults, so Pulumi can both validate a
    config file against it and fill in defaults the way it does for every pack.
    """
    raw = model.model_json_schema(by_alias=True, mode="validation")
    definitions = raw.pop("$defs", {})
    schema: dict[str, Any] = _inline_refs(raw, definitions)
    schema.setdefault("properties", {})
    schema["additionalProperties"] = False
    return schema


def _shown(value: object) -> str:
    # Config numbers travel as protobuf doubles: show 0.0 as the 0 the user wrote.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value)


def _properties_at(schema: Mapping[str, Any], path: tuple[Any, ...]) -> list[str]:
    """The property names of the object at ``path`` (names and list indexes) in ``schema``."""
    node: Any = schema
    for step in path:
        if isinstance(step, int):
            node = node.get("items", {}) if isinstance(node, Mapping) else {}
        else:
            node = node.get("properties", {}).get(step, {}) if isinstance(node, Mapping) else {}
        # An optional nested object is "anyOf: [{object}, {null}]".
        if isinstance(node, Mapping) and "anyOf" in node:
            node = next(
                (item for item in node["anyOf"] if item.get("type") in ("object", "array")), {}
            )
    if not isinstance(node, Mapping):
        return []
    return sorted(node.get("properties", {}))


def _explain(policy: str, model: type[PolicyProperties], error: Any) -> str:
    location = format_location(error["loc"])
    where = f"{policy}.{location}" if location else policy
    kind = error["type"]
    if kind == "extra_forbidden":
        # The properties of the entry the typo is in: a group's for groups[0].nam.
        known = _properties_at(properties_schema(model), tuple(error["loc"][:-1]))
        hint = did_you_mean(str(error["loc"][-1]), known)
        allowed = ", ".join(known) or "none"
        return f"{where}: unknown property; {hint}remove it (properties: {allowed})"
    message = str(error["msg"])
    if kind == "literal_error":
        message = f"must be one of {error.get('ctx', {}).get('expected', '')}"
    message = message.removeprefix("Value error, ")
    if location and kind != "missing":
        message = f"{message}; got {_shown(error.get('input'))}"
    return f"{where}: {message}"


PropertiesT = TypeVar("PropertiesT", bound=PolicyProperties)


def parse_policy_properties(
    policy: str, model: type[PropertiesT], properties: Mapping[str, Any] | None
) -> PropertiesT:
    """Validate a policy's properties; :class:`PolicyConfigError` lists every problem."""
    try:
        return model.model_validate(dict(properties or {}))
    except ValidationError as error:
        details = "; ".join(
            _explain(policy, model, item) for item in error.errors(include_url=False)
        )
        raise PolicyConfigError(f"invalid policy config: {details}") from None

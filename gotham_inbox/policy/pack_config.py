"""A policy-pack config file, resolved the way the Pulumi CLI resolves it.

The file maps a policy name (or ``all``) to an enforcement level string, or to an object with an
optional ``enforcementLevel`` and the policy's properties. Like the Pulumi CLI, resolution starts
from each policy's own level and its schema defaults, applies ``all``, then each policy's entry:
an entry without ``enforcementLevel`` keeps the policy's level. Stricter than the CLI, an
unknown policy name or property is an error rather than silently ignored, since a typo would
otherwise switch a check off.

Pulumi's version-2 file (``{"version": 2, "policies": {...}, "exceptions": {...}}``) holds the
same policy entries under ``policies``, and policy exceptions (:mod:`.exceptions`); as in the
CLI v3.274.1 (``pkg/resource/analyzer/config.go``), a numeric ``version`` marks such a file, and
any other ``version`` is the name of a policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.documents import DocumentError, parse_json, read_bounded
from gotham_inbox.policy.exceptions import PolicyException, parse_exceptions
from gotham_inbox.policy.properties import PolicyConfigError, PolicyProperties
from gotham_inbox.policy.registry import POLICIES, POLICIES_BY_NAME
from gotham_inbox.policy.violation import LEVEL_NAMES, EnforcementLevel
from gotham_inbox.suggestions import did_you_mean
from gotham_inbox.validation import short_repr

ALL_POLICIES_KEY = "all"
VERSION_KEY = "version"
VERSION_2_KEYS = (VERSION_KEY, "policies", "exceptions")
"""The keys of a version-2 file that this pack reads (``environments`` needs the CLI)."""


@dataclass(frozen=True)
class ResolvedPolicy:
    """A policy's resolved level, its properties (as sent to Configure) and those parsed."""

    level: EnforcementLevel
    properties: Mapping[str, Any]
    config: PolicyProperties


PackConfig = Mapping[str, ResolvedPolicy]
"""Every policy of the pack resolved (a :class:`ResolvedPolicy`), by policy name."""


def _level(name: str, value: object) -> EnforcementLevel:
    if isinstance(value, str) and value in LEVEL_NAMES:
        return EnforcementLevel(value)
    raise PolicyConfigError(
        f"invalid policy config: {name}: enforcement level {short_repr(value)} is not one of "
        f"{', '.join(LEVEL_NAMES)}"
    )


def _split_entry(name: str, entry: object) -> tuple[EnforcementLevel | None, dict[str, Any]]:
    if isinstance(entry, str):
        return _level(name, entry), {}
    if isinstance(entry, dict):
        properties = dict(entry)
        level = properties.pop("enforcementLevel", None)
        return (None if level is None else _level(name, level)), properties
    raise PolicyConfigError(
        f"invalid policy config: {name}: must be an enforcement level string or an object; "
        f"got {short_repr(entry)}"
    )


def _unknown_policy(name: str) -> PolicyConfigError:
    hint = did_you_mean(name, POLICIES_BY_NAME)
    if name in VERSION_2_KEYS:
        hint = f"'{name}' belongs to a version-2 file, which starts with \"version\": 2; "
    known = ", ".join(POLICIES_BY_NAME)
    return PolicyConfigError(
        f"invalid policy config: '{name}' is not a policy of the gotham-inbox pack; {hint}"
        f"(policies: {known}, or 'all' for a level for every policy)"
    )


@dataclass(frozen=True)
class PackConfigFile:
    """What a policy config file says: every policy's settings, and the policy exceptions."""

    settings: dict[str, ResolvedPolicy]
    exceptions: tuple[PolicyException, ...] = ()


def _is_version(value: object) -> bool:
    # The CLI reads a JSON number there (float64); true/false are not numbers.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _policies_of_version_2(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], object]:
    version = raw[VERSION_KEY]
    if version != 2:
        newer = " (newer than this pack reads)" if version > 2 else ""
        raise PolicyConfigError(
            f"invalid policy config: version {version!r} is not supported{newer}; "
            "write version 2, or leave version out for the plain format"
        )
    for key in raw:
        if key == "environments":
            _refuse_environments()
        if key not in VERSION_2_KEYS:
            hint = did_you_mean(key, VERSION_2_KEYS)
            raise PolicyConfigError(
                f"invalid policy config: '{key}' is not a key of a version-2 policy config; "
                f"{hint}(keys: {', '.join(VERSION_2_KEYS)}; policies go under 'policies')"
            )
    policies = raw.get("policies")
    if policies is None:
        policies = {}
    if not isinstance(policies, Mapping):
        raise PolicyConfigError(
            "invalid policy config: 'policies' must be an object of policy names to entries"
        )
    return policies, raw.get("exceptions")


def parse_pack_config(raw: Mapping[str, Any] | None = None) -> PackConfigFile:
    """A config file's content, plain or version 2, resolved (``None``: all defaults)."""
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise PolicyConfigError("invalid policy config: the file must hold a JSON object")
    exceptions: tuple[PolicyException, ...] = ()
    if _is_version(raw.get(VERSION_KEY)):
        policies, raw_exceptions = _policies_of_version_2(raw)
        exceptions = parse_exceptions(raw_exceptions)
        raw = policies
    return PackConfigFile(_resolve_policies(raw), exceptions)


def resolve_pack_config(raw: Mapping[str, Any] | None = None) -> dict[str, ResolvedPolicy]:
    """Every policy's settings from a config file's content (``None``: all defaults)."""
    return parse_pack_config(raw).settings


def _refuse_environments() -> None:
    raise PolicyConfigError(
        "invalid policy config: 'environments' (Pulumi ESC) cannot be resolved without the "
        "Pulumi CLI; put the values in the file"
    )


def _resolve_policies(raw: Mapping[str, Any]) -> dict[str, ResolvedPolicy]:
    if "environments" in raw:
        _refuse_environments()
    for name in raw:
        if name != ALL_POLICIES_KEY and name not in POLICIES_BY_NAME:
            raise _unknown_policy(name)
    all_level: EnforcementLevel | None = None
    if ALL_POLICIES_KEY in raw:
        all_level, extra = _split_entry(ALL_POLICIES_KEY, raw[ALL_POLICIES_KEY])
        if extra:
            raise PolicyConfigError(
                "invalid policy config: 'all' takes only an enforcement level; put properties "
                "under the policy they belong to"
            )
    resolved: dict[str, ResolvedPolicy] = {}
    for spec in POLICIES:
        level = all_level or spec.default_level
        properties = spec.default_properties()
        if spec.name in raw:
            given_level, given = _split_entry(spec.name, raw[spec.name])
            level = given_level or level
            properties.update(given)
        resolved[spec.name] = ResolvedPolicy(level, properties, spec.parse_properties(properties))
    return resolved


def load_pack_config(path: Path) -> dict[str, ResolvedPolicy]:
    """Read and resolve a policy config file; :class:`PolicyConfigError` names the file."""
    return read_pack_config_file(path).settings


def read_pack_config_file(path: Path) -> PackConfigFile:
    """Read and resolve a policy config file, plain or version 2, with its exceptions;
    :class:`PolicyConfigError` names the file."""
    try:
        text = read_bounded(path)
    except DocumentError as error:
        raise PolicyConfigError(f"policy config {error}") from None
    if not text.strip():
        # Read as {} (as the Pulumi CLI v3.274 does; the pack cannot tell), it would switch the
        # group and marking checks off without a word: an unknown group would then pass.
        raise PolicyConfigError(
            f"policy config {path} is empty; write a JSON object (e.g. {{}} for every policy's "
            "defaults), or leave --policy-config out"
        )
    try:
        raw = parse_json(text, path)
    except DocumentError as error:
        raise PolicyConfigError(f"policy config {error}") from None
    try:
        return parse_pack_config(raw)
    except PolicyConfigError as error:
        raise PolicyConfigError(f"{path}: {error}") from None

"""Values that are not known yet (during ``pulumi preview``), and how checks skip them.

The engine sends a value that depends on an unknown output as one of Pulumi's sentinel strings;
pulumi_policy keeps those strings in the resource's properties. The collector of ``check`` turns
the SDK's own unknown marker into the same string, so the rules see one representation; the
provider host hands the provider ``pulumi.output.Unknown`` objects instead, so the provider's
checks pass their own test of "unknown" to :func:`unknown_paths`. Nothing judges an unknown
value: the field is checked again when ``pulumi up`` knows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The sentinel the engine uses for an unknown string; the collector uses it for any unknown."""

UNKNOWN_SENTINELS: frozenset[str] = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        UNKNOWN_STRING,  # string
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)


def is_unknown(value: object) -> bool:
    """True for a value that is not known until the deployment runs."""
    return isinstance(value, str) and value in UNKNOWN_SENTINELS


def unknown_paths(
    value: Any, prefix: str = "", unknown: Callable[[object], bool] = is_unknown
) -> list[str]:
    """The wire paths of every unknown value inside ``value`` (``title.value``, ``a[0]``).

    ``unknown`` tells an unknown value (by default one of the engine's sentinels); the path of
    a wholly unknown ``value`` is ``prefix`` itself (``""`` at the top).
    """
    if unknown(value):
        return [prefix]
    paths: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(unknown_paths(item, f"{prefix}.{key}" if prefix else str(key), unknown))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.extend(unknown_paths(item, f"{prefix}[{index}]", unknown))
    return paths


def is_within(field: str, paths: list[str]) -> bool:
    """True when ``field`` is one of ``paths`` or lies inside one of them."""
    for path in paths:
        if path == "" or field == path or field.startswith((f"{path}.", f"{path}[")):
            return True
    return False

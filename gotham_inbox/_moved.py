"""Former module paths that programs may still import: they resolve, and warn where to go.

A module that moved leaves a small module at its old path whose ``__getattr__`` and ``__dir__``
come from :func:`moved_to`: every name is looked up in the new module, with a
``DeprecationWarning`` that names the new path.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any


def moved_to(
    old: str, new: ModuleType
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for the module at ``old``, now ``new``."""
    public = [
        name
        for name, value in vars(new).items()
        if not name.startswith("_") and _defined_in(new, value)
    ]

    def __getattr__(name: str) -> Any:
        value = getattr(new, name)
        warnings.warn(
            f"{old} is deprecated: import {name} from {new.__name__}",
            DeprecationWarning,
            stacklevel=2,
        )
        return value

    def __dir__() -> list[str]:
        return list(public)

    return __getattr__, __dir__, public


def _defined_in(module: ModuleType, value: object) -> bool:
    # What ``module`` offers, not what it imported: other modules, ``from __future__`` features,
    # and classes or functions defined elsewhere are left out of ``*`` and ``dir()``.
    if isinstance(value, ModuleType) or type(value).__module__ == "__future__":
        return False
    if isinstance(value, type) or inspect.isfunction(value):
        return value.__module__ == module.__name__
    return True

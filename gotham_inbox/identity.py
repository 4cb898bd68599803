"""The former name of :mod:`gotham_inbox.source_ids`, kept for programs that import it.

``docs/resources.md`` showed ``from gotham_inbox.identity import derive_source_id``; such an
import keeps working and warns, naming the module to import from instead.
"""

from __future__ import annotations

import warnings
from typing import Any

from gotham_inbox import source_ids as _source_ids


def __getattr__(name: str) -> Any:
    value = getattr(_source_ids, name)
    warnings.warn(
        f"gotham_inbox.identity is deprecated: import {name} from gotham_inbox.source_ids",
        DeprecationWarning,
        stacklevel=2,
    )
    return value

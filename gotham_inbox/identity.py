"""The former name of :mod:`gotham_inbox.source_ids`, kept for programs that import it.

``docs/resources.md`` showed ``from gotham_inbox.identity import derive_source_id``; such an
import keeps working and warns, naming the module to import from instead.
"""

from gotham_inbox import source_ids as _new
from gotham_inbox._moved import moved_to

__getattr__, __dir__, __all__ = moved_to(__name__, _new)

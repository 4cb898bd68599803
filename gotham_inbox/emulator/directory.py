"""The former home of :mod:`gotham_inbox.directory`, kept for programs that import it.

The directory model is shared by the emulator, the policies and the test toolkit, so it lives
at the top of the package; an import from here keeps working and warns where to import from.
"""

from gotham_inbox import directory as _new
from gotham_inbox._moved import moved_to

__getattr__, __dir__, __all__ = moved_to(__name__, _new)

"""The former home of :mod:`gotham_inbox.check.report`, kept for programs that import it.

``docs/policy-pack.md`` named ``gotham_inbox.policy.report.JSON_REPORT_VERSION``; such an
import keeps working and warns, naming the module to import from instead.
"""

from gotham_inbox._moved import moved_to
from gotham_inbox.check import report as _new

__getattr__, __dir__, __all__ = moved_to(__name__, _new)

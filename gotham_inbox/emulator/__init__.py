"""A local emulator of Gotham's Global Inbox "send messages" endpoint.

It serves a :mod:`~gotham_inbox.directory` (markings, groups, callers), re-exported here.

- :mod:`~gotham_inbox.emulator.rules`: reviewing a batch against the models and the directory.
- :mod:`~gotham_inbox.emulator.store`: SQLite storage of accepted messages.
- :mod:`~gotham_inbox.emulator.app`: the Starlette ASGI application.
- :mod:`~gotham_inbox.emulator.catalogue`: every error it answers, in Gotham's names
  (``docs/errors.md``).
- :mod:`~gotham_inbox.emulator.faults`: faults on demand (``docs/faults.md``).
- :mod:`~gotham_inbox.emulator.server`: serving it with uvicorn.
- :mod:`~gotham_inbox.emulator.testing`: ``running_emulator()`` for tests.
"""

from gotham_inbox.directory import Directory, DirectoryError, load_directory
from gotham_inbox.emulator.app import create_app
from gotham_inbox.emulator.store import MessageStore

__all__ = ["Directory", "DirectoryError", "MessageStore", "create_app", "load_directory"]

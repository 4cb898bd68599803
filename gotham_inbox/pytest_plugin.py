"""pytest fixtures for testing against the local Gotham Inbox emulator.

Installed as a ``pytest11`` plugin, so any project with gotham-inbox installed can use:

- ``gotham_emulator``: a fresh emulator per test, serving the example directory
  (a :class:`gotham_inbox.emulator.testing.RunningEmulator`).
- ``gotham_client``: an :class:`gotham_inbox.client.InboxClient` for it, authenticated as the
  example user ``release-bot``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from gotham_inbox.client import InboxClient
    from gotham_inbox.emulator.testing import RunningEmulator


@pytest.fixture
def gotham_emulator() -> Iterator[RunningEmulator]:
    """A fresh emulator with the example directory and an in-memory database."""
    # Imported here so that merely having the plugin installed costs other test runs nothing.
    from gotham_inbox.emulator.testing import running_emulator

    with running_emulator() as emulator:
        yield emulator


@pytest.fixture
def gotham_client(gotham_emulator: RunningEmulator) -> Iterator[InboxClient]:
    """An InboxClient for ``gotham_emulator``, authenticated as ``release-bot``."""
    from gotham_inbox.auth import TokenAuth
    from gotham_inbox.client import InboxClient

    with InboxClient(
        gotham_emulator.base_url, auth=TokenAuth(gotham_emulator.token_for("release-bot"))
    ) as client:
        yield client

"""Fixtures of the announce tests: an emulator, a project pointed at it, outside any CI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.announce.announce_support import CI_VARIABLES, AnnounceProject


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with running_emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CI_VARIABLES, "GOTHAM_TOKEN", "GOTHAM_SOURCE_ID_SALT", "GOTHAM_HOSTNAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path, emulator: RunningEmulator) -> AnnounceProject:
    """The announce project of :class:`AnnounceProject`, in a fresh directory."""
    return AnnounceProject.create(tmp_path / "project", emulator)

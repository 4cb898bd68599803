"""Fixtures of the emulator tests (helpers live in emulator_helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gotham_inbox.directory import Directory, parse_directory
from gotham_inbox.emulator.oauth import TokenIssuer
from tests.emulator.emulator_helpers import SEED_DIRECTORY, app_client
from tests.support import FakeClock


@pytest.fixture(scope="session")
def seed_directory() -> Directory:
    return parse_directory(SEED_DIRECTORY, "seed-directory")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An in-process emulator client over the example directory."""
    with app_client() as (test_client, _):
        yield test_client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_client(clock: FakeClock) -> Iterator[httpx.Client]:
    """Like ``client``, with OAuth2 tokens that live 60 s on ``clock``."""
    with app_client(issuer=TokenIssuer(60, clock=clock)) as (test_client, _):
        yield test_client

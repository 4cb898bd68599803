"""pytest fixtures for testing against the local Gotham Inbox emulator.

Installed as a ``pytest11`` plugin, so any project with gotham-inbox installed can use:

- ``gotham_emulator``: a fresh emulator per test, serving ``gotham_directory``
  (a :class:`gotham_inbox.emulator.testing.RunningEmulator`).
- ``gotham_faults``: ``gotham_emulator``'s faults on demand (a
  :class:`gotham_inbox.emulator.faults.FaultPlan`; ``--gotham-fault`` seeds it).
- ``gotham_client``: an :class:`gotham_inbox.client.InboxClient` for it, authenticated as
  ``gotham_caller``.
- ``gotham_emulator_factory``: starts more emulators, each from a directory of your choice
  (data, a file or a loaded directory); all are stopped after the test.
- ``policy_checker``: a :class:`gotham_inbox.verdicts.PolicyChecker`, the policy pack
  configured from ``gotham_directory`` for ``gotham_caller`` (the config
  ``gotham-inbox policy-config`` generates).

``gotham_directory`` (default: the shipped example directory) and ``gotham_caller`` (default:
its ``release-bot``) are fixtures too: override them in your ``conftest.py`` to seed the
emulator, the client and the checker from your own directory.

``gotham_source_ids`` (default: the ``--gotham-source-ids`` option, itself ``honour`` by
default) is how the emulators treat a caller-chosen sourceId: ``honour``, ``ignore`` or
``reject``. Run ``pytest --gotham-source-ids=reject`` to test against a Gotham that refuses
the field, or override or parametrise the fixture to test all three.

Install them with ``pip install "gotham-inbox[testing]"``: the ``testing`` extra brings pytest
and hypothesis, which :mod:`gotham_inbox.strategies` needs (importing it without hypothesis
raises an error naming the extra). With a plain ``pip install gotham-inbox`` the plugin is
still registered and costs nothing: it imports only pytest, and each fixture imports what it
uses when a test asks for it, so a project's own pytest run never breaks because of it. See
docs/property-testing.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gotham_inbox.client import InboxClient
    from gotham_inbox.directory import Directory
    from gotham_inbox.emulator.faults import FaultPlan
    from gotham_inbox.emulator.testing import RunningEmulator
    from gotham_inbox.verdicts import PolicyChecker


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--gotham-source-ids honour|ignore|reject`` (the default of ``gotham_source_ids``) and
    ``--gotham-fault SPEC`` / ``--gotham-fault-seed N`` (faults of ``gotham_emulator``)."""
    parser.addoption(
        "--gotham-source-ids",
        choices=("honour", "ignore", "reject"),
        default="honour",
        help="how the gotham_emulator fixtures treat a caller-chosen sourceId "
        "(default honour; see docs/source-ids.md)",
    )
    parser.addoption(
        "--gotham-fault",
        action="append",
        default=[],
        metavar="KIND[:OPTIONS]",
        help="a fault every gotham_emulator fixture starts with, as for gotham-inbox emulator "
        "--fault (repeatable; see docs/faults.md)",
    )
    parser.addoption(
        "--gotham-fault-seed",
        type=int,
        default=None,
        help="seed of the random draws of --gotham-fault rates",
    )


@pytest.fixture
def gotham_directory() -> Directory:
    """The directory the emulator serves and the policies are configured from.

    Override it to use your own: return a loaded directory, directory data (a dict in the
    directory file's format) or a path to a directory file.
    """
    from gotham_inbox.directory import load_directory

    return load_directory()


@pytest.fixture
def gotham_caller() -> str:
    """The directory user that sends: the client's identity and the checker's caller."""
    return "release-bot"


@pytest.fixture
def gotham_source_ids(request: pytest.FixtureRequest) -> str:
    """``honour``, ``ignore`` or ``reject``: how the emulators treat a caller's sourceId."""
    return str(request.config.getoption("--gotham-source-ids"))


@pytest.fixture
def gotham_emulator(
    gotham_directory: Any, gotham_source_ids: str, gotham_faults: FaultPlan
) -> Iterator[RunningEmulator]:
    """A fresh emulator serving ``gotham_directory``, with an in-memory database."""
    # Imported here so that merely having the plugin installed costs other test runs nothing.
    from gotham_inbox.directory import as_directory
    from gotham_inbox.emulator.testing import running_emulator

    with running_emulator(
        as_directory(gotham_directory), source_ids=gotham_source_ids, faults=gotham_faults
    ) as emulator:
        yield emulator


@pytest.fixture
def gotham_faults(request: pytest.FixtureRequest) -> FaultPlan:
    """The fault plan of ``gotham_emulator``: from ``--gotham-fault`` options (off by
    default); add rules in a test, e.g. ``gotham_faults.add("unavailable", times=1)``."""
    from gotham_inbox.emulator.faults import plan_from

    return plan_from(
        request.config.getoption("--gotham-fault"),
        seed=request.config.getoption("--gotham-fault-seed"),
    )


@pytest.fixture
def gotham_client(gotham_emulator: RunningEmulator, gotham_caller: str) -> Iterator[InboxClient]:
    """An InboxClient for ``gotham_emulator``, authenticated as ``gotham_caller``."""
    from gotham_inbox._auth import TokenAuth
    from gotham_inbox.client import InboxClient

    with InboxClient(
        gotham_emulator.base_url, auth=TokenAuth(gotham_emulator.token_for(gotham_caller))
    ) as client:
        yield client


EmulatorFactory = Callable[..., "RunningEmulator"]


@pytest.fixture
def gotham_emulator_factory(gotham_source_ids: str) -> Iterator[EmulatorFactory]:
    """``start(directory=None, db_path=None, source_ids=None)``: another running emulator.

    ``directory`` is directory data (a dict), a directory file, a loaded directory, or
    ``None`` for the shipped example; ``source_ids`` defaults to ``gotham_source_ids``. Every
    emulator started is stopped after the test.
    """
    from gotham_inbox.directory import as_directory
    from gotham_inbox.emulator.testing import running_emulator

    with contextlib.ExitStack() as started:

        def start(
            directory: Any = None,
            db_path: str | Path | None = None,
            source_ids: str | None = None,
        ) -> RunningEmulator:
            return started.enter_context(
                running_emulator(
                    as_directory(directory), db_path, source_ids=source_ids or gotham_source_ids
                )
            )

        yield start


@pytest.fixture
def policy_checker(gotham_directory: Any, gotham_caller: str) -> PolicyChecker:
    """The policy pack configured from ``gotham_directory`` for ``gotham_caller``.

    ``policy_checker.check_batch(messages)`` gives a :class:`gotham_inbox.verdicts.PolicyVerdict`;
    use ``PolicyChecker.for_directory(...)`` for other directories or callers.
    """
    from gotham_inbox.verdicts import PolicyChecker

    return PolicyChecker.for_directory(gotham_directory, gotham_caller)

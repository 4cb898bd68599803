"""Suite-wide settings: hypothesis profiles; gotham-inbox installed as a user installs it.

``HYPOTHESIS_PROFILE=dev`` (the default) is quick for local runs; ``ci`` (selected by .ci/run)
runs five times the examples and longer state-machine runs, derandomised so a CI failure
reproduces. The example database lives in .hypothesis/, which git ignores.

Measured on two shared cores: under ``ci`` the property suite (tests/properties/) takes about a
minute and the whole suite two to three; under ``dev`` about 15 s and a minute.

The session fixtures at the end build the wheel of this working tree and virtualenvs outside
it once per run (once for all pytest-xdist workers), for the packaging tests, the travelling
pack and the user-project e2e; the tests that use them are marked ``packaging``.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from gotham_inbox import redaction
from gotham_inbox._delivery import HOST_MEMORY
from tests.distribution_support import (
    DISTRIBUTION,
    TravelledPack,
    Venv,
    Wheel,
    build_wheel,
    make_venv,
    once_per_run,
)


@pytest.fixture(autouse=True)
def _forget_what_hosts_do_with_source_ids() -> Iterator[None]:
    """Each test starts with no host known to honour, ignore or refuse sourceIds."""
    HOST_MEMORY.forget()
    yield
    HOST_MEMORY.forget()


@pytest.fixture(autouse=True)
def _hold_no_secret_of_another_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an empty register of held credentials, as a process does: any 8
    characters of a held one are redacted, so a secret an earlier test held would otherwise
    redact text of this one that shares 8 characters with it."""
    monkeypatch.setattr(redaction, "HELD_SECRETS", redaction.HeldSecrets())


# The fast lane (`make test-fast`) draws a third of dev's examples: a quick signal while
# working; `make test` draws dev's, and CI's derandomised run five times as many again.
settings.register_profile(
    "fast",
    max_examples=10,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=30,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


# -- gotham-inbox as a user installs it (built once per run: a wheel and two virtualenvs) --

DISTRIBUTION_FIXTURES = frozenset({"gotham_wheel", "user_venv", "travelled_pack"})
"""The fixtures that build the wheel or a virtualenv from it: their tests are marked."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the wheel or its virtualenvs is marked ``packaging`` (``make test-fast``
    leaves them out), and they share one xdist group: under ``--dist loadgroup`` one worker
    runs them all, one after another as in a serial run, while the others run the rest."""
    for item in items:
        if DISTRIBUTION_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.packaging)
            item.add_marker(pytest.mark.xdist_group("distribution"))


@pytest.fixture(scope="session")
def gotham_wheel(tmp_path_factory: pytest.TempPathFactory) -> Wheel:
    """The wheel of this working tree."""
    built = once_per_run(
        tmp_path_factory, "wheel", lambda folder: {"wheel": str(build_wheel(folder))}
    )
    return Wheel(Path(built["wheel"]))


@pytest.fixture(scope="session")
def user_venv(gotham_wheel: Wheel, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A user project's virtualenv, ``<project>/venv``: the wheel and pytest, no hypothesis.

    The project folder (its parent) is otherwise empty; the end-to-end test writes a Pulumi
    project into it.
    """

    def build(project: Path) -> dict[str, str]:
        venv = make_venv(
            project / "venv",
            f"{DISTRIBUTION}=={gotham_wheel.version}",
            "pytest",
            find_links=gotham_wheel.path.parent,
        )
        return {"venv": str(venv.root)}

    return Venv(Path(once_per_run(tmp_path_factory, "user-project", build)["venv"]))


@pytest.fixture(scope="session")
def travelled_pack(
    user_venv: Venv, gotham_wheel: Wheel, tmp_path_factory: pytest.TempPathFactory
) -> TravelledPack:
    """The pack laid out by the user's ``gotham-inbox policy-pack DIR``, far from this checkout,
    installed into its own ``DIR/venv`` from nothing but its ``requirements.txt``."""

    def build(elsewhere: Path) -> dict[str, str]:
        directory = elsewhere / "inbox-pack"
        laid_out = user_venv.run("gotham-inbox", "policy-pack", str(directory))
        venv = make_venv(directory / "venv", find_links=gotham_wheel.path.parent)
        venv.run(
            "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--find-links", str(gotham_wheel.path.parent),
            "-r", str(directory / "requirements.txt"),
        )  # fmt: skip
        return {"directory": str(directory), "venv": str(venv.root), "printed": laid_out.stdout}

    built = once_per_run(tmp_path_factory, "elsewhere", build)
    return TravelledPack(Path(built["directory"]), Venv(Path(built["venv"])), built["printed"])

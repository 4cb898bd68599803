"""gotham-inbox as a user gets it: a wheel built from this checkout, virtualenvs outside it.

The wheel is built from a copy of the working tree (tracked and new files, symlinks kept), so
no stale ``build/`` output of an earlier build can slip in. Virtualenvs install it with pip
from a ``--find-links`` folder, the wheel standing in for the package registry; its
dependencies come from pip's cache or the registry, as they would for a user.

Each is built once per test run, however many pytest-xdist workers ask for it
(``once_per_run``): the first worker to ask builds it while the others wait on a file lock,
then all of them use the same folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DISTRIBUTION = "gotham-inbox"
# A ceiling so that a hung pip fails the session instead of hanging it. Never an assertion.
PIP_TIMEOUT_SECONDS = 900


def _run(
    command: list[str], cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the clean environment; asserted to succeed unless ``check=False``."""
    finished = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PIP_TIMEOUT_SECONDS,
        check=False,
        env=clean_env(),
    )
    if check:
        assert finished.returncode == 0, (
            f"$ {' '.join(command)} -> exit {finished.returncode}\n"
            f"{finished.stdout}{finished.stderr}"
        )
    return finished


def clean_env() -> dict[str, str]:
    """The environment without this checkout's virtualenv or Python settings leaking in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")
        and not key.startswith(("PULUMI_", "GOTHAM_"))
    }
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part != venv_bin
    )
    return env


def working_tree_files() -> list[str]:
    """The checkout's files as git sees them: tracked and new, ignored ones left out."""
    listed = _run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO
    ).stdout
    return [name for name in listed.split("\0") if name and os.path.lexists(REPO / name)]


def copy_working_tree(into: Path) -> Path:
    """A copy of the checkout's files (symlinks copied as symlinks)."""
    for name in working_tree_files():
        source, target = REPO / name, into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    return into


def build_wheel(where: Path) -> Path:
    """Build the wheel of the working tree into ``where/dist``; its path."""
    source = copy_working_tree(where / "source")
    dist = where / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), "."], source
    )
    (wheel,) = dist.glob("gotham_inbox-*.whl")
    return wheel


@dataclass(frozen=True)
class Wheel:
    """A built wheel: its file, its files' names, its metadata."""

    path: Path

    @property
    def names(self) -> list[str]:
        with zipfile.ZipFile(self.path) as archive:
            return archive.namelist()

    def read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.path) as archive:
            return archive.read(name)

    def dist_info(self, name: str) -> str:
        (found,) = [n for n in self.names if n.endswith(f".dist-info/{name}")]
        return self.read(found).decode()

    @property
    def version(self) -> str:
        return Parser().parsestr(self.dist_info("METADATA"))["Version"]

    @property
    def requires(self) -> list[str]:
        return Parser().parsestr(self.dist_info("METADATA")).get_all("Requires-Dist") or []


@dataclass(frozen=True)
class Venv:
    """A virtualenv outside the checkout."""

    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name

    def run(
        self, *args: str, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``bin/ARGS[0] ARGS[1:]`` of this virtualenv (not asserted when ``check=False``)."""
        return _run([str(self.bin(args[0])), *args[1:]], cwd=cwd, check=check)

    def installed(self) -> dict[str, str]:
        """Distribution name (lower case) -> version, as pip lists them."""
        listed = json.loads(self.run("python", "-m", "pip", "list", "--format", "json").stdout)
        return {item["name"].lower(): item["version"] for item in listed}


@dataclass(frozen=True)
class TravelledPack:
    """A laid-out pack directory, its own virtualenv, and what ``policy-pack`` printed."""

    directory: Path
    venv: Venv
    printed: str


def make_venv(root: Path, *requirements: str, find_links: Path) -> Venv:
    """A fresh virtualenv at ``root`` with ``pip install --find-links DIR REQUIREMENTS``."""
    _run([sys.executable, "-m", "venv", str(root)])
    venv = Venv(root)
    if requirements:
        venv.run(
            "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--find-links", str(find_links), *requirements,
        )  # fmt: skip
    return venv


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of this whole run: shared by its pytest-xdist workers, each of
    which has its own ``getbasetemp()`` inside it; without xdist, the session's own."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_per_run(
    factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, str]]
) -> dict[str, str]:
    """What ``build(folder)`` recorded, ``folder`` being ``name`` in the run's folder.

    The first worker to ask runs ``build`` under a file lock and records its answer; the
    others wait for the lock and read the record. A build that failed leaves no record: the
    workers after it fail at once, pointing at the first one's error, rather than build again.
    """
    shared = run_folder(factory)
    folder, record = shared / name, shared / f"{name}.json"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if record.exists():
            built: dict[str, str] = json.loads(record.read_text(encoding="utf-8"))
            return built
        if folder.exists():
            pytest.fail(f"building {name} failed in another worker of this run: see its error")
        folder.mkdir()
        built = build(folder)
        record.write_text(json.dumps(built), encoding="utf-8")
        return built

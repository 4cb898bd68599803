"""The lock, ``requirements.lock``: what ``make setup`` installs, and pyproject.toml agrees.

``make lock`` resolves every extra once into exact versions with hashes; ``make setup``
installs exactly those (``uv pip sync``). A requirement added to or narrowed in pyproject.toml
without ``make lock`` fails here (offline; CI's ``make lock-check`` also resolves it again),
and so does a virtualenv that holds another version than the lock's.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.distribution_support import DISTRIBUTION, REPO

LOCK = REPO / "requirements.lock"
_PIN = re.compile(r"^(?P<requirement>[A-Za-z0-9][^\s\\]*==[^\s\\;]+(?: ; [^\\]+)?)\s*\\?$")


def locked() -> dict[str, Requirement]:
    """Canonical name -> the lock's pinned requirement (its marker kept)."""
    pins: dict[str, Requirement] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            requirement = Requirement(found["requirement"].strip())
            pins[canonicalize_name(requirement.name)] = requirement
    return pins


def declared() -> list[Requirement]:
    """pyproject.toml's requirements, of the package and of every extra (itself left out)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        listed.extend(extra)
    requirements = [Requirement(text) for text in listed]
    return [r for r in requirements if canonicalize_name(r.name) != DISTRIBUTION]


def pinned_version(requirement: Requirement) -> str:
    (specifier,) = requirement.specifier
    assert specifier.operator == "==", requirement
    return specifier.version


def test_every_locked_package_is_pinned_to_one_version_with_hashes() -> None:
    text = LOCK.read_text(encoding="utf-8")
    entries = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert entries and len(entries) == len(locked())
    assert all(line.endswith("\\") for line in entries)  # each one followed by its hashes
    assert text.count("--hash=sha256:") >= len(entries)
    assert "make lock" in text.splitlines()[1]  # how to regenerate it, in its header


def test_every_requirement_of_pyproject_is_locked_within_its_range() -> None:
    pins = locked()
    outside = {
        str(requirement): pins[name].specifier if name in pins else "not locked"
        for requirement in declared()
        for name in [canonicalize_name(requirement.name)]
        if name not in pins or pinned_version(pins[name]) not in requirement.specifier
    }
    assert outside == {}, "pyproject.toml changed without `make lock`"


def test_the_virtualenv_holds_the_locked_versions() -> None:
    pins = locked()
    installed: dict[str, str] = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    different = {
        name: (pinned_version(pin), installed.get(name, "not installed"))
        for name, pin in pins.items()
        if (pin.marker is None or pin.marker.evaluate())
        and installed.get(name) != pinned_version(pin)
    }
    assert different == {}, "run `make setup`: the virtualenv is not the lock's"

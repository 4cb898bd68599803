"""The policy pack as a self-contained directory any Pulumi project can use.

The pack's files ship inside the distribution (``gotham_inbox/policy_pack``, which in the
repository is a link to ``policies/``: that folder is the single source). Laying it out copies
``PulumiPolicy.yaml`` and ``__main__.py`` and writes ``requirements.txt`` pinning the installed
gotham-inbox, so the directory installs itself (``python -m venv venv && venv/bin/pip install
-r requirements.txt``, which is what ``pulumi policy publish``'s consumers run) and refers to
nothing outside itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from gotham_inbox.errors import UserError
from gotham_inbox.output_files import write_files_atomically

DISTRIBUTION = "gotham-inbox"
REQUIREMENTS = "requirements.txt"
# Copied as shipped; requirements.txt is written for the installed version.
COPIED_FILES = ("PulumiPolicy.yaml", "__main__.py", ".gitignore")
PACK_FILES = (*COPIED_FILES, REQUIREMENTS)
VIRTUALENV = "venv"
"""Where the pack's PulumiPolicy.yaml says its virtualenv is (relative to the pack)."""


class PackDirectoryError(UserError):
    """The pack cannot be laid out there; the message names the path and what to do."""


def installed_version() -> str:
    """The version of gotham-inbox this code belongs to."""
    return metadata.version(DISTRIBUTION)


def requirements_text(version: str) -> str:
    """The pack's requirements.txt: this version of gotham-inbox, which brings the rest."""
    return (
        "# Installed into the pack's virtualenv (see PulumiPolicy.yaml): the policies are\n"
        f"# gotham-inbox's own, so the pack checks exactly what gotham-inbox {version} checks.\n"
        f"{DISTRIBUTION}=={version}\n"
    )


def shipped_file(name: str) -> bytes:
    """One of the pack's files as the distribution ships it."""
    return (resources.files("gotham_inbox") / "policy_pack" / name).read_bytes()


def pack_contents(version: str | None = None) -> dict[str, bytes]:
    """Every file of the laid-out pack, by name."""
    contents = {name: shipped_file(name) for name in COPIED_FILES}
    contents[REQUIREMENTS] = requirements_text(version or installed_version()).encode()
    return contents


@dataclass(frozen=True)
class LaidOut:
    """A pack directory: where, which version, which files were written (not already same)."""

    directory: Path
    version: str
    written: tuple[str, ...]


def lay_out(directory: Path, *, force: bool = False) -> LaidOut:
    """Write the pack into ``directory`` (created if missing).

    A file of the pack that is already there with other content is only replaced with
    ``force``; other files in the directory (a ``venv``) are left alone. Nothing is written
    unless every file can be.
    """
    version = installed_version()
    contents = pack_contents(version)
    if directory.exists() and not directory.is_dir():
        raise PackDirectoryError(f"{directory} exists and is not a directory; choose another path")
    in_the_way = [
        name
        for name in contents
        if (directory / name).exists() and not (directory / name).is_file()
    ]
    if in_the_way:
        raise PackDirectoryError(
            f"cannot write the pack into {directory}: {', '.join(in_the_way)} "
            "is not a file there; move it away or choose another directory"
        )
    differing = [
        name
        for name, data in contents.items()
        if (directory / name).exists() and _read(directory / name) != data
    ]
    if differing and not force:
        raise PackDirectoryError(
            f"{directory} already holds {', '.join(differing)} with other content; "
            "pass --force to replace them with the gotham-inbox "
            f"{version} pack, or choose an empty directory"
        )
    todo = {name: data for name, data in contents.items() if _read(directory / name) != data}
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Staged in a fresh directory of our own (exclusive, unguessable), then moved in: a
        # link planted in a shared DIR is never written through, and a failure leaves the
        # directory as it was (gotham_inbox.output_files).
        write_files_atomically(directory, todo)
    except OSError as error:
        raise PackDirectoryError(
            f"cannot write the pack into {directory}: {error.strerror or error}"
        ) from None
    return LaidOut(directory, version, tuple(todo))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None

"""The one way a command writes a file: whole or not at all, and never through another's link.

Every file a ``gotham-inbox`` command writes (``migrate-state --output``, ``policy-config
--output``, ``schema --write``, the files of ``policy-pack DIR``) comes through here:

- atomic: the new content goes to a staging file beside the target, is flushed to disk
  (``fsync``) and only then renamed over the target (``rename`` replaces it in one step). A
  failed write (a full disk, a file size limit, a read-only directory) leaves the target as it
  was, so ``migrate-state s.json --output s.json`` can never cut its own input;
- exclusive: the staging file is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` inside a fresh
  directory made by :func:`tempfile.mkdtemp` (its name unguessable, mode 0700), so a link or
  file planted where we stage, in a directory others can write to, is never written through;
- permissions: a replaced file keeps its mode (a state file the user made private stays
  private); a new one gets the usual ``0666`` less the umask.

A target that exists and is not a regular file (``/dev/stdout``, a named pipe) cannot be
renamed over: it is written to directly, as a shell redirection would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

STAGING_PREFIX = ".gotham-inbox-staging-"
"""The staging directory's name starts with this (the rest is random, from ``mkdtemp``)."""
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path``'s content by ``data``, whole or not at all.

    A link at ``path`` is followed to the file it names (as a shell's ``>`` does): the file is
    replaced beside its real location.

    Raises:
        OSError: the file could not be written; ``path`` is as it was.
    """
    real = Path(os.path.realpath(path))
    try:
        info = os.stat(real)
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        # A device or a pipe: nothing to rename over and nothing a cut write could spoil.
        with open(real, "wb") as stream:
            stream.write(data)
        return
    write_files_atomically(real.parent, {real.name: data})


def write_files_atomically(directory: Path, files: Mapping[str, bytes]) -> None:
    """Write every file of ``files`` (name → content) into ``directory``; all or none.

    Every file is staged, flushed and closed before the first is moved into place, so a
    failure while staging changes nothing in ``directory``. A link at a target's name is
    replaced, not followed (names are single path components, chosen by the caller).

    Raises:
        OSError: a file could not be staged or moved; what was staged is removed.
    """
    if not files:
        return
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=directory))
    try:
        for name, data in files.items():
            _create_exclusively(staging / name, data, mode_of=directory / name)
        for name in files:
            os.replace(staging / name, directory / name)
        _sync_directory(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _create_exclusively(path: Path, data: bytes, *, mode_of: Path) -> None:
    descriptor = os.open(path, _CREATE_FLAGS, 0o666)
    try:
        with contextlib.suppress(FileNotFoundError):
            kept = os.lstat(mode_of)
            # The file replaced keeps its mode; chmod by path, not fchmod, which Windows lacks
            # before Python 3.13 (the staging directory is ours alone, so the path is safe).
            if stat.S_ISREG(kept.st_mode):
                os.chmod(path, stat.S_IMODE(kept.st_mode))
        with os.fdopen(descriptor, "wb", closefd=False) as stream:
            stream.write(data)
            stream.flush()
            os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_directory(directory: Path) -> None:
    # The renames are durable once the directory is flushed; where a directory cannot be
    # opened for that (some platforms and filesystems), the rename itself is still atomic.
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)

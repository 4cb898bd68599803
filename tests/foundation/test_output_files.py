"""Every file a command writes is written whole or not at all, and never through a planted link.

A failed write is made real with a file size limit (``RLIMIT_FSIZE``) in a child process: the
write fails with EFBIG part way, as on a full disk. Python ignores SIGXFSZ, so the child sees an
``OSError`` rather than dying.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gotham_inbox.cli import exit_codes
from gotham_inbox.output_files import STAGING_PREFIX, write_atomically, write_files_atomically
from tests.distribution_support import REPO

FILE_SIZE_LIMIT = 4096
"""Bytes a child may write to any one file: less than every output written below."""


OLD_PROVIDER = json.loads((REPO / "tests/provider/golden/provider-references.json").read_text())[
    "top-level providers"
]["InboxMessageProvider"]


def old_export() -> dict[str, object]:
    """A stack export whose one inbox message still names the old ``providers`` package."""
    inbox = {
        "urn": "urn:pulumi:dev::project::pulumi-python:dynamic/gotham:InboxMessage::hello",
        "type": "pulumi-python:dynamic/gotham:InboxMessage",
        "inputs": {"__provider": OLD_PROVIDER},
        "outputs": {"__provider": OLD_PROVIDER, "status": "sent"},
    }
    return {"version": 3, "deployment": {"resources": [inbox]}}


def run_with_file_size_limit(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python *argv`` where no file may grow past :data:`FILE_SIZE_LIMIT` bytes."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))

    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,  # the limit applies to the child alone
        check=False,
    )


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.startswith("."))


def test_migrate_state_onto_its_own_input_keeps_the_input_whole_when_the_write_fails(
    tmp_path: Path,
) -> None:
    state = tmp_path / "s.json"
    exported = old_export()
    exported["padding"] = "x" * 2 * FILE_SIZE_LIMIT  # the migrated document is over the limit
    state.write_text(json.dumps(exported))
    before = state.read_bytes()
    run = run_with_file_size_limit(
        "-m", "gotham_inbox.cli", "migrate-state", "s.json", "--output", "s.json", cwd=tmp_path
    )
    assert run.returncode == exit_codes.BAD_INPUT, run.stderr
    assert run.stderr.count("\n") == 1
    assert "cannot write s.json: File too large; s.json is unchanged" in run.stderr
    assert state.read_bytes() == before  # not cut: `pulumi stack import` can still read it
    assert leftovers(tmp_path) == []


def test_migrate_state_onto_its_own_input_replaces_it_when_the_write_succeeds(
    tmp_path: Path,
) -> None:
    state = tmp_path / "s.json"
    state.write_text(json.dumps(old_export()))
    state.chmod(0o600)  # an export with --show-secrets holds secrets in the clear
    run = subprocess.run(
        [sys.executable, "-m", "gotham_inbox.cli", "migrate-state", "s.json", "--output", "s.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == exit_codes.OK, run.stderr
    assert "rewrote 2 __provider value(s)" in run.stderr
    assert json.loads(state.read_text()) != old_export()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


def test_policy_config_output_is_kept_whole_when_the_write_fails(tmp_path: Path) -> None:
    config = tmp_path / "policy-config.dev.json"
    config.write_text('{"kept": true}\n')
    run = run_with_file_size_limit(
        "-m",
        "gotham_inbox.cli",
        "policy-config",
        "--schema",
        "--output",
        str(config),
        cwd=tmp_path,
    )
    assert run.returncode == exit_codes.BAD_INPUT, run.stderr
    assert f"cannot write {config}: File too large; {config} is unchanged" in run.stderr
    assert config.read_text() == '{"kept": true}\n'
    assert leftovers(tmp_path) == []


def test_schema_write_leaves_every_schema_file_as_it_was_when_one_cannot_be_written(
    tmp_path: Path,
) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for name in ("send-messages-request.schema.json", "send-messages-response.schema.json"):
        (schemas / name).write_text("{}\n")
    program = (
        "import sys\n"
        "from gotham_inbox import schema\n"
        "from gotham_inbox.cli import main\n"
        f"schema.SCHEMA_DIR = schema.Path({str(schemas)!r})\n"
        "sys.exit(main(['schema', '--write']))\n"
    )
    run = run_with_file_size_limit("-c", program, cwd=tmp_path)
    assert run.returncode == exit_codes.BAD_INPUT, run.stderr
    assert f"cannot write {schemas}: File too large; the schema files are unchanged" in run.stderr
    assert {path.name: path.read_text() for path in schemas.iterdir()} == {
        "send-messages-request.schema.json": "{}\n",
        "send-messages-response.schema.json": "{}\n",
    }


def test_a_link_planted_where_files_are_staged_is_never_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # mkdtemp's names cannot be guessed; this stands for one that was (or a racing attacker):
    # the exclusive, non-following create must refuse the link rather than write through it.
    victim = tmp_path / "victim"
    victim.write_text("another user's file\n")
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "out.json").symlink_to(victim)
    monkeypatch.setattr("tempfile.mkdtemp", lambda **_: str(staging))
    with pytest.raises(FileExistsError):
        write_files_atomically(tmp_path, {"out.json": b"ours\n"})
    assert victim.read_text() == "another user's file\n"
    assert not (tmp_path / "out.json").exists()


def test_files_are_staged_in_a_private_directory_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, int]] = []
    replace = os.replace

    def watching_replace(source: Path, target: Path) -> None:
        staged_in = Path(source).parent
        seen.append((staged_in.name, stat.S_IMODE(staged_in.stat().st_mode)))
        replace(source, target)

    monkeypatch.setattr("os.replace", watching_replace)
    write_files_atomically(tmp_path, {"a": b"1", "b": b"2"})
    assert len(seen) == 2 and len({name for name, _mode in seen}) == 1
    ((name, mode),) = set(seen)
    assert name.startswith(STAGING_PREFIX) and len(name) > len(STAGING_PREFIX) + 4
    assert mode == 0o700
    assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "b").read_bytes() == b"2"
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_mode_and_a_replaced_one_keeps_its_own(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.json", b"{}")
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        write_atomically(kept, b"new")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert kept.read_bytes() == b"new"


def test_an_output_given_as_a_link_replaces_the_file_it_names(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_an_output_that_is_a_pipe_is_written_to_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    write_atomically(pipe, b"through the pipe")
    reader.join(timeout=30)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)

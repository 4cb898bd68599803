"""The program under ``check`` never outlives it, sees only what ``pulumi preview`` would put on
its ``sys.path``, and cannot drive the terminal with what it prints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.policies.check_support import check, write_check_project

# The command line as installed: gotham_inbox.console.main prestarts the child in the caller's
# current directory before it knows the project.
COMMAND = [
    sys.executable,
    "-c",
    "import sys; from gotham_inbox.console import main; sys.exit(main())",
    "check",
]


def _state(pid: int) -> str:
    return subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    ).stdout.strip()


def _wait_gone(pid: int) -> str:
    state = _state(pid)
    for _ in range(200):  # the kill is sent as check ends; the process goes a moment later
        if state in ("", "Z") or state.startswith("Z"):
            break
        time.sleep(0.05)
        state = _state(pid)
    return state


def _spinning_check(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    pid_file = tmp_path / "program.pid"
    body = f"""\
    import os
    open({str(pid_file)!r} + ".tmp", "w").write(str(os.getpid()))
    os.rename({str(pid_file)!r} + ".tmp", {str(pid_file)!r})
    while True:
        pass
    """
    project = write_check_project(tmp_path / "app", body)
    process = subprocess.Popen(
        [*COMMAND, str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for _ in range(1200):
        if pid_file.exists() or process.poll() is not None:
            break
        time.sleep(0.05)
    assert pid_file.exists(), process.communicate(timeout=60)
    return process, int(pid_file.read_text())


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_to_check_kills_the_program_and_exits_with_the_tables_code(
    tmp_path: Path, signum: int, code: int
) -> None:
    process, program = _spinning_check(tmp_path)
    process.send_signal(signum)
    assert process.wait(timeout=60) == code
    state = _wait_gone(program)
    assert state in ("", "Z") or state.startswith("Z"), f"the program {program} runs ({state})"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_program_dies_with_check_even_when_check_is_killed(tmp_path: Path) -> None:
    process, program = _spinning_check(tmp_path)
    process.kill()  # SIGKILL: check runs no handler at all
    process.wait(timeout=60)
    state = _wait_gone(program)
    assert state in ("", "Z") or state.startswith("Z"), f"the program {program} runs ({state})"


def test_the_callers_directory_is_not_on_the_programs_path(tmp_path: Path) -> None:
    body = """\
    import helper  # the program's own directory is on sys.path, as under pulumi preview
    try:
        import planted_by_the_caller
    except ImportError:
        pass
    else:
        raise SystemExit("imported a module from the caller's directory")
    InboxMessage("notice", message(helper.TITLE))
    """
    project = write_check_project(tmp_path / "app", body)
    (project / "helper.py").write_text('TITLE = "release notes"\n')
    caller = tmp_path / "caller"
    caller.mkdir()
    (caller / "planted_by_the_caller.py").write_text("")
    finished = subprocess.run(
        [*COMMAND, str(project)], cwd=caller, capture_output=True, text=True, timeout=300
    )
    assert finished.returncode == 0, finished.stderr


def test_the_programs_output_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    import os, sys
    sys.stderr.write("before \\x1b]0;owned\\x07 \\x1b[2J after\\ttab\\n")
    sys.stderr.flush()
    os._exit(3)
    """
    assert check(write_check_project(tmp_path / "app", body)) == 2
    error = capsys.readouterr().err
    assert "\x1b" not in error and "\x07" not in error
    assert "before \\x1b]0;owned\\x07 \\x1b[2J after\ttab" in error
    assert "ended its Python (exit status 3)" in error


def test_a_crashing_programs_last_output_is_shown_however_slowly_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under load the thread reading the program's output can be behind when the child is seen
    # to leave: what the program wrote last must still be shown, not lost.
    read = os.read

    def slow_output_read(fd: int, size: int) -> bytes:
        if threading.current_thread().name == "program-output":
            time.sleep(0.5)
        return read(fd, size)

    monkeypatch.setattr(os, "read", slow_output_read)
    body = """\
    import os, sys
    sys.stderr.write("the last words of the program\\n")
    sys.stderr.flush()
    os._exit(3)
    """
    assert check(write_check_project(tmp_path / "app", body)) == 2
    error = capsys.readouterr().err
    assert "the last words of the program" in error
    assert "ended its Python (exit status 3)" in error

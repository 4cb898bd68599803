"""The runner under ``check``: failures a user can act on, documents written whatever happens,
no credentials handed to the program or echoed from it, a bounded output, and nothing the
program leaves running holding ``check`` or outliving it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gotham_inbox.check.runner import KEPT_OUTPUT_BYTES, SHOWN_OUTPUT_CHARS, _OutputTail
from tests.policies.check_support import check, program_line, write_check_project

FAILING = """\
def title_of(release):
    return release["title"]


InboxMessage("notice", message(title_of({})))
"""

TOKEN = "tok-Zq8rW2xY7vB4nM1kP0s"
CLIENT_SECRET = "cs-Hf3Lq9Xw2Rt6Yu8Io1p"


def test_a_failing_program_is_reported_at_its_own_line_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_check_project(tmp_path / "app", FAILING)
    assert check(project) == 2
    error = capsys.readouterr().err
    first = error.splitlines()[0]
    assert f"failed at __main__.py:{program_line(project, 'return release')}: KeyError" in first
    assert "site-packages" not in error and "gotham_inbox/check" not in error
    assert check(project, "--traceback") == 2
    whole = capsys.readouterr().err
    assert "pulumi/runtime" in whole and "return release" in whole


@pytest.mark.parametrize("broken", ["program", "project", "policy config"])
def test_sarif_is_written_when_the_check_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], broken: str
) -> None:
    project = write_check_project(tmp_path / "app", FAILING if broken == "program" else "")
    if broken == "project":
        (project / "Pulumi.yaml").write_text("name: [")
    if broken == "policy config":
        (project / "policy-config.dev.json").write_text("{")
    assert check(project, "--format", "sarif") == 2
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    if broken == "program":
        assert "KeyError" in notification["message"]["text"]
        physical = notification["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith("app/__main__.py")
        assert physical["region"]["startLine"] == program_line(project, "return release")


def test_json_is_written_when_the_program_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_check_project(tmp_path / "app", FAILING)
    assert check(project, "--format", "json") == 2
    report = json.loads(capsys.readouterr().out)
    assert report["executionSuccessful"] is False
    assert "KeyError" in report["error"]["message"]
    assert report["error"]["source"]["line"] == program_line(project, "return release")


def test_the_program_gets_no_credentials_and_its_output_is_redacted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", TOKEN)
    monkeypatch.setenv("GOTHAM_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("PULUMI_ACCESS_TOKEN", "pul-" + TOKEN)
    body = """\
    import os, sys
    leaked = {k: v for k, v in os.environ.items() if k.startswith(("GOTHAM_", "PULUMI_"))}
    config_token = pulumi.Config("gotham").get("token")
    print("config token", config_token, file=sys.stderr)
    raise RuntimeError(f"leaked {sorted(leaked)} and {config_token}")
    """
    project = write_check_project(tmp_path / "app", body, config={"gotham:token": TOKEN[::-1]})
    for form in ("text", "json", "sarif"):
        assert check(project, "--format", form) == 2
        captured = capsys.readouterr()
        shown = captured.out + captured.err
        assert "leaked []" in shown  # not one GOTHAM_ or PULUMI_ variable reached the program
        for secret in (TOKEN, CLIENT_SECRET, TOKEN[::-1], TOKEN[::-1][:18]):
            assert secret not in shown
        assert "***" in shown  # the config token the program printed and raised is redacted


def test_the_output_kept_is_a_bounded_tail_whatever_the_program_prints() -> None:
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stream:
        tail = _OutputTail(stream)
        with os.fdopen(write, "wb") as sink:
            for _ in range(40):
                sink.write(b"x" * 1_000_000)
            sink.write(b"\nthe end\n")
        # The reader has drained the pipe once the marker written after the data is kept.
        for _ in range(6000):  # the reader drains 40 MB long before this ends
            if bytes(tail._data).endswith(b"the end\n"):
                break
            time.sleep(0.01)
        assert len(tail._data) <= KEPT_OUTPUT_BYTES
        kept = tail.take()
        assert len(kept) <= KEPT_OUTPUT_BYTES + len("...")
        assert kept.endswith("...the end\n")  # the end kept, the cut word dropped


def test_a_credential_cut_by_the_kept_tail_leaves_no_part_of_itself() -> None:
    read, write = os.pipe()
    with os.fdopen(read, "rb") as stream:
        tail = _OutputTail(stream)
        with os.fdopen(write, "wb") as sink:
            # The kept window starts 10 characters into the token.
            filler = " " + "y" * (KEPT_OUTPUT_BYTES - len(TOKEN) + 10 - 2) + "\n"
            sink.write(TOKEN.encode() + filler.encode())
        for _ in range(6000):  # until the reader has read it all (taking earlier takes less)
            if bytes(tail._data).endswith(b"\n"):
                break
            time.sleep(0.01)
        kept = tail.take()
    assert kept.endswith("y\n")
    assert TOKEN[10:] not in kept and TOKEN[-6:] not in kept


def test_a_program_printing_without_end_fails_with_a_short_tail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    import sys
    for _ in range(200):
        sys.stderr.write("y" * 1_000_000)
    raise SystemExit(3)
    """
    project = write_check_project(tmp_path / "app", body)
    assert check(project) == 2
    error = capsys.readouterr().err
    assert "sys.exit(3)" in error
    assert len(error) < 3 * SHOWN_OUTPUT_CHARS


def test_a_process_or_thread_the_program_leaves_does_not_hold_check_or_outlive_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid_file = tmp_path / "child.pid"
    body = f"""\
    import subprocess, threading, time
    child = subprocess.Popen(["sleep", "600"])
    open({str(pid_file)!r}, "w").write(str(child.pid))
    threading.Thread(target=time.sleep, args=(600,)).start()  # not a daemon
    InboxMessage("notice", message("hello"))
    """
    project = write_check_project(tmp_path / "app", body)
    # Well within the timeout: the run is over when the program is, whatever it left running.
    assert check(project, "--timeout", "120") == 0
    assert "1 inbox resource(s)" in capsys.readouterr().out
    pid = int(pid_file.read_text())
    for _ in range(100):  # the kill is sent when check ends; the process goes a moment later
        state = subprocess.run(
            ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
        ).stdout.strip()
        if state in ("", "Z"):
            break
        time.sleep(0.05)
    assert state in ("", "Z"), f"the program's child {pid} is still running ({state})"


def test_the_command_line_runs_the_program_in_its_project_directory(tmp_path: Path) -> None:
    # The command line starts the child before it knows the project (prestart); the program
    # still runs in its own directory, reading its files by relative path.
    body = """\
    from pathlib import Path
    InboxMessage("notice", message(Path("title.txt").read_text().strip()))
    """
    project = write_check_project(tmp_path / "app", body)
    (project / "title.txt").write_text("release notes\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    finished = subprocess.run(
        [sys.executable, "-m", "gotham_inbox.cli", "check", str(project), "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert (report["messages"], report["judgedAtUp"]) == (1, [])

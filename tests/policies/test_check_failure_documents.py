"""``check --format json|sarif`` writes its document on every exit 2 (and on a bug, 70), so a CI
step that uploads it whatever happened always finds a valid one (docs/exit-codes.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.cli import check as check_cli
from tests.policies.check_support import check, write_check_project


def _sarif_invocation(out: str) -> dict[str, Any]:
    (run,) = json.loads(out)["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    return dict(invocation)


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--mocks", "x.yaml", "--explore"], "--mocks does not go with --explore"),
        (["--max-examples", "5"], "--max-examples only go with --explore"),
        (["--explore", "--explore-schema", "missing.yaml"], "missing.yaml"),
    ],
)
def test_every_early_exit_2_writes_the_sarif_and_json_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], reason: str
) -> None:
    project = write_check_project(tmp_path / "app", "")
    flags = [str(project / flag) if flag.endswith(".yaml") else flag for flag in flags]
    assert check(project, "--format", "sarif", *flags) == 2
    captured = capsys.readouterr()
    invocation = _sarif_invocation(captured.out)
    assert invocation["exitCode"] == 2
    assert reason in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert reason in captured.err
    assert check(project, "--format", "json", *flags) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["executionSuccessful"] is False and reason in document["error"]["message"]


def test_a_bug_in_check_still_writes_the_document_and_exits_70(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(check_cli, "evaluate", broken)
    project = write_check_project(tmp_path / "app", "")
    assert check(project, "--format", "sarif") == 70
    captured = capsys.readouterr()
    invocation = _sarif_invocation(captured.out)
    assert invocation["exitCode"] == 70
    assert "internal error (RuntimeError)" in captured.err

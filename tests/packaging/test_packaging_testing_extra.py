"""The ``testing`` extra: what the shipped strategies, verdicts and pytest fixtures need.

``pip install gotham-inbox`` alone (the user virtualenv: the wheel and pytest, no hypothesis)
must leave a project's pytest run working, fixtures included, and ``gotham_inbox.strategies``
must say which extra to install. ``pip install "gotham-inbox[testing]"`` brings hypothesis.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from tests.distribution_support import DISTRIBUTION, Venv, Wheel

EXTRA_HINT = 'pip install "gotham-inbox[testing]"'

USER_TESTS = """
from gotham_inbox.providers import InboxMessage  # the resources import without hypothesis


def test_unrelated_to_gotham():
    assert 1 + 1 == 2


def test_the_emulator_fixtures_serve_a_send(gotham_client, gotham_emulator):
    message = {
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "release-bot"},
        "title": {"value": "from a user project"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
        "sourceId": "5b0f4a2e-3c1d-4e6f-9a8b-7c6d5e4f3a2b",
    }
    gotham_client.send([message])
    assert [record["sourceId"] for record in gotham_emulator.messages()] == [message["sourceId"]]


def test_the_policy_checker_fixture_judges_a_batch(policy_checker):
    verdict = policy_checker.check_batch([{"title": {"value": "no recipients, no sender"}}])
    assert verdict.violations
"""


def test_the_testing_extra_requires_hypothesis_and_pytest(gotham_wheel: Wheel) -> None:
    testing = sorted(
        requirement.split(";")[0].split(">")[0].split("<")[0].strip()
        for requirement in gotham_wheel.requires
        if 'extra == "testing"' in requirement
    )
    assert testing == ["hypothesis", "pytest"]
    # ... and a plain install needs neither.
    plain = [requirement for requirement in gotham_wheel.requires if "extra ==" not in requirement]
    assert not any(r.startswith(("hypothesis", "pytest")) for r in plain)


def test_pip_resolves_the_testing_extra_to_hypothesis(user_venv: Venv, gotham_wheel: Wheel) -> None:
    report = user_venv.run(
        "python", "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-",
        "--disable-pip-version-check", "--find-links", str(gotham_wheel.path.parent),
        f"{DISTRIBUTION}[testing]=={gotham_wheel.version}",
    ).stdout  # fmt: skip
    to_install = {item["metadata"]["name"].lower() for item in json.loads(report)["install"]}
    assert "hypothesis" in to_install


def test_without_hypothesis_the_strategies_name_the_extra(user_venv: Venv) -> None:
    assert "hypothesis" not in user_venv.installed()
    finished = user_venv.run("python", "-c", "import gotham_inbox.strategies", check=False)
    assert finished.returncode == 1
    assert "ModuleNotFoundError" in finished.stderr
    assert EXTRA_HINT in finished.stderr


def test_without_hypothesis_a_user_pytest_run_and_the_fixtures_work(
    user_venv: Venv, tmp_path: Path
) -> None:
    (tmp_path / "test_user_project.py").write_text(USER_TESTS)
    finished = user_venv.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path),
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "3 passed" in finished.stdout


def test_importing_the_strategies_without_hypothesis_names_the_extra_here_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The same, simulated in this process: hypothesis made unimportable.
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "gotham_inbox.strategies", raising=False)
    with pytest.raises(ModuleNotFoundError, match=r'pip install "gotham-inbox\[testing\]"'):
        importlib.import_module("gotham_inbox.strategies")

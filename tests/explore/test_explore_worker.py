"""The explore worker: one process, many runs, each with its own config and outputs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gotham_inbox.check.project import StackProject, load_project
from gotham_inbox.explore.worker import ProgramWorker
from tests.explore.explore_support import FIXTURE_PROJECT, explore_json, run_check, write_fixture

MODULE_PROGRAM = textwrap.dedent(
    """\
    import os

    from gotham_inbox.providers import InboxMessage

    import release_settings  # reads the config when it is imported

    print("a program may print; the worker's protocol does not mind")
    import sys
    assert sys.stdin.read() == ""  # and reading standard input never eats a request
    InboxMessage(
        "notice",
        message={
            "groupRecipients": [{"name": "platform-team"}],
            "sender": {"displayName": "Release Bot"},
            "title": {"value": f"release {release_settings.VERSION} in pid {os.getpid()}"},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        },
    )
    """
)

SETTINGS_MODULE = textwrap.dedent(
    """\
    import pulumi

    VERSION = pulumi.Config().require("version")
    """
)


def _title(run: object) -> str:
    (resource,) = run.resources  # type: ignore[attr-defined]
    (ref,) = resource.message_refs()
    return str(ref.data["title"]["value"])


def _module_program_project(tmp_path: Path) -> StackProject:
    """A project whose program reads ``version`` through a module of its own."""
    fixture = write_fixture(
        tmp_path / "app",
        MODULE_PROGRAM,
        declared={"version": {"type": "string"}},
        stack_config={"version": "1.0.0"},
        files={"release_settings.py": SETTINGS_MODULE},
    )
    return load_project(fixture.root)


def test_one_worker_runs_each_example_with_its_own_config(tmp_path: Path) -> None:
    project = _module_program_project(tmp_path)
    key = f"{FIXTURE_PROJECT}:version"
    with ProgramWorker(project, timeout=60) as worker:
        titles = [
            _title(worker.run({**project.config, key: version}, None))
            for version in ("1.0.0", "2.0.0", "3.0.0")
        ]
    # The program's own module is imported anew for each run, so it reads that run's config;
    # and all runs happen in the same process (no interpreter start per example).
    versions = [title.split()[1] for title in titles]
    pids = {title.split()[-1] for title in titles}
    assert versions == ["1.0.0", "2.0.0", "3.0.0"]
    assert len(pids) == 1


def test_a_failing_run_does_not_end_the_worker(tmp_path: Path) -> None:
    project = _module_program_project(tmp_path)
    key = f"{FIXTURE_PROJECT}:version"
    with ProgramWorker(project, timeout=60) as worker:
        missing = {name: value for name, value in project.config.items() if name != key}
        failed = worker.run(missing, None)
        after = worker.run(project.config, None)
    assert failed.error is not None
    assert "Missing required configuration variable 'explore-fixture:version'" in failed.error
    assert _title(after).startswith("release 1.0.0")


def test_a_hanging_program_times_out_and_the_next_run_gets_a_new_worker(tmp_path: Path) -> None:
    program = textwrap.dedent(
        """\
        import time
        import pulumi
        from gotham_inbox.providers import InboxMessage

        if pulumi.Config().require("version") == "hang":
            time.sleep(60)
        InboxMessage(
            "notice",
            message={
                "groupRecipients": [{"name": "platform-team"}],
                "sender": {"displayName": "Release Bot"},
                "title": {"value": "fine"},
                "security": {"portionMarkings": ["UNCLASSIFIED"]},
            },
        )
        """
    )
    fixture = write_fixture(
        tmp_path / "app",
        program,
        declared={"version": {"type": "string"}},
        stack_config={"version": "1.0.0"},
    )
    project = load_project(fixture.root)
    key = f"{FIXTURE_PROJECT}:version"
    with ProgramWorker(project, timeout=3) as worker:
        hung = worker.run({**project.config, key: "hang"}, None)
        after = worker.run(project.config, None)
    assert hung.error is not None and "did not finish within 3 seconds" in hung.error
    assert _title(after) == "fine"


BUCKET_PROGRAM = textwrap.dedent(
    """\
    import pulumi
    from gotham_inbox.providers import InboxMessage


    class Bucket(pulumi.CustomResource):
        website: pulumi.Output[str]

        def __init__(self, name):
            super().__init__("test:storage:Bucket", name, {"website": None})


    site = Bucket("site")
    InboxMessage(
        "site-live",
        message={
            "groupRecipients": [{"name": "platform-team"}],
            "sender": {"displayName": "Release Bot"},
            "title": site.website.apply(lambda url: {"value": f"the site is live at {url}"}),
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        },
    )
    """
)


def test_outputs_of_other_resources_are_explored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    explore = {
        "outputs": {
            "test:storage:Bucket": {"website": {"type": "string", "maxLength": 300}},
        }
    }
    fixture = write_fixture(
        tmp_path / "app", BUCKET_PROGRAM, declared={}, stack_config={}, explore=explore
    )
    # With check's mocks the website is unknown-free and short: the title is fine today.
    assert run_check(capsys, fixture.root)[0] == 0

    code, report = explore_json(capsys, fixture, "--seed", "4")

    assert code == 1
    counterexample = report["explore"]["counterexample"]
    website = counterexample["outputs"]["resources"]["test:storage:Bucket"]["website"]
    title = f"the site is live at {website}"
    # Shrunk to the shortest website that makes the title too long (maxTitleLength 200).
    assert len(title) == 201
    assert counterexample["commands"] == []  # no config reproduces an output
    assert [(v["policy"], v["field"]) for v in report["violations"]] == [
        ("inbox-content", "message.title.value")
    ]

"""``gotham-inbox announce`` against the emulator: once per event, routing, the pack, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotham_inbox.announce.summary import CUT_SHORT, MAX_TEXT, NOTHING_WRITTEN
from gotham_inbox.cli import exit_codes, main
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.announce.announce_support import (
    FAILED_UP_EVENTS,
    PROJECT,
    STACK,
    AnnounceProject,
    announce,
    titles,
)


def test_a_failed_deploy_is_announced_once_naming_its_failing_resource_a_retry_sends_nothing_new(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: AnnounceProject,
    emulator: RunningEmulator,
) -> None:
    log = project.event_log(FAILED_UP_EVENTS)
    monkeypatch.setenv("GITHUB_RUN_ID", "9001")
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "1")
    first = announce(capsys, project, "--event", "failed", "--event-log", str(log))
    assert first.code == exit_codes.OK, first.err
    (stored,) = emulator.messages()
    message = stored["message"]
    assert (
        message["title"]["value"] == f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 9001) failed"
    )
    assert (
        "`orders-db` (cloud:db:Instance, create): creating orders-db: quota exceeded"
        in (message["body"]["value"])
    )
    assert "<{%" not in message["body"]["value"]
    assert "running this step again (a retried job) sends nothing new" in first.out

    # "Re-run failed jobs": the same run, the next attempt, maybe a longer log.
    monkeypatch.setenv("GITHUB_RUN_ATTEMPT", "2")
    longer = project.event_log([*FAILED_UP_EVENTS, *FAILED_UP_EVENTS], "events-2.jsonl")
    again = announce(capsys, project, "--event", "failed", "--event-log", str(longer))
    assert again.code == exit_codes.OK, again.err
    assert len(emulator.messages()) == 1
    assert "already announced" in again.out


def test_each_event_and_each_run_is_a_message_of_its_own(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    for run_id, event in [("41", "started"), ("41", "succeeded"), ("42", "started")]:
        assert announce(capsys, project, "--event", event, "--run-id", run_id).code == 0
    assert titles(emulator) == [
        f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 41) started",
        f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 41) succeeded",
        f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 42) started",
    ]


def test_once_per_version_ignores_the_run(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    for run_id in ("41", "42"):
        done = announce(
            capsys, project, "--event", "succeeded", "--run-id", run_id, "--once-per", "version"
        )
        assert done.code == 0, done.err
    assert len(emulator.messages()) == 1
    # --version overrides the stack config's version: a new anchor, a new message.
    assert announce(capsys, project, "--event", "succeeded", "--version", "1.5.0").code == 0
    assert titles(emulator)[-1] == f"{PROJECT}/{STACK}: deploy of version 1.5.0 succeeded"


def test_a_gitlab_pipeline_and_its_version_are_the_run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: AnnounceProject,
    emulator: RunningEmulator,
) -> None:
    monkeypatch.setenv("CI_PIPELINE_ID", "777")
    monkeypatch.setenv("CI_PIPELINE_URL", "https://gitlab.example.com/shop/-/pipelines/777")
    assert announce(capsys, project, "--event", "started").code == 0
    assert announce(capsys, project, "--event", "started").code == 0
    (stored,) = emulator.messages()
    assert "(run 777)" in stored["message"]["title"]["value"]
    assert "https://gitlab.example.com/shop/-/pipelines/777" in stored["message"]["body"]["value"]
    # Every job of a pipeline shares CI_PIPELINE_ID: a deploy job retried with a new version
    # is another deploy, not a retry of the first.
    newer = announce(capsys, project, "--event", "started", "--version", "1.5.0")
    assert newer.code == 0, newer.err
    assert "already announced" not in newer.out
    assert titles(emulator) == [
        f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 777) started",
        f"{PROJECT}/{STACK}: deploy of version 1.5.0 (run 777) started",
    ]


def test_an_event_already_announced_does_not_show_this_run_s_unsent_text(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    log = project.event_log(FAILED_UP_EVENTS)
    first = ("--event", "failed", "--run-id", "8")
    assert announce(capsys, project, *first).code == 0
    again = announce(capsys, project, *first, "--event-log", str(log), "--format", "json")
    assert again.code == 0, again.err
    document = again.json()
    assert document["status"] == "adopted"
    assert document["message"] is None
    text = announce(capsys, project, *first, "--event-log", str(log))
    assert "already announced" in text.out
    assert "orders-db" not in text.out and "title:" not in text.out
    assert len(emulator.messages()) == 1


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_run_id_is_no_run_id_the_ci_run_is_used(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: AnnounceProject,
    emulator: RunningEmulator,
    empty: str,
) -> None:
    # `--run-id "$UNSET"` in a CI script: the CI's run id still anchors the announcement.
    monkeypatch.setenv("GITHUB_RUN_ID", "31")
    done = announce(capsys, project, "--event", "started", "--run-id", empty, "--format", "json")
    assert done.code == 0, done.err
    assert done.json()["deploy"] == {
        "version": "1.4.0",
        "runId": "31",
        "runAttempt": None,
        "oncePer": "run",
        "anchor": "31",
    }
    assert titles(emulator) == [f"{PROJECT}/{STACK}: deploy of version 1.4.0 (run 31) started"]


def test_a_fully_qualified_stack_is_the_same_stack_and_another_project_s_is_refused(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    short = main(["announce", str(project.root), "--stack", STACK, "--event", "started"])
    assert short == exit_codes.OK
    qualified = f"acme/{PROJECT}/{STACK}"
    again = ["announce", str(project.root), "--stack", qualified, "--event", "started"]
    assert main([*again, "--run-id", "1"]) == exit_codes.OK
    assert main([*again[:3], f"acme/{STACK}", *again[4:], "--run-id", "1"]) == exit_codes.OK
    assert len(emulator.messages()) == 2  # once per version, then run 1 (the same stack)
    capsys.readouterr()
    other = ["announce", str(project.root), "--stack", f"acme/other/{STACK}", "--event", "started"]
    assert main(other) == exit_codes.BAD_INPUT
    assert "names project 'other', but" in capsys.readouterr().err
    assert main([*other[:3], "a/b/c/d", *other[4:]]) == exit_codes.BAD_INPUT
    assert "give the stack's name, or ORG/NAME or ORG/PROJECT/NAME" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["ignore", "reject"])
def test_under_a_host_that_does_not_honour_source_ids_a_retry_sends_again_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    with running_emulator(source_ids=mode) as emulator:
        project = AnnounceProject.create(tmp_path / "p", emulator)
        first = announce(capsys, project, "--event", "started", "--run-id", "5")
        second = announce(capsys, project, "--event", "started", "--run-id", "5")
        assert len(emulator.messages()) == 2
    assert "WOULD send it again" in first.out
    assert "WOULD send it again" in second.out


ROUTES = """\
sender: Deploy Bot
events:
  failed:
    recipients: [sre-oncall]
    markings: [SENSITIVE]
    title: "{stack} is broken: {deploy} {event}"
    body: "{failures}"
  started:
    send: false
"""


def test_routes_send_failures_to_on_call_with_a_higher_marking_and_successes_to_the_team(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    project.write("gotham-inbox-announce.yaml", ROUTES)
    log = project.event_log(FAILED_UP_EVENTS)
    assert (
        announce(
            capsys, project, "--event", "failed", "--run-id", "1", "--event-log", str(log)
        ).code
        == 0
    )
    assert announce(capsys, project, "--event", "succeeded", "--run-id", "2").code == 0
    skipped = announce(capsys, project, "--event", "started", "--run-id", "3")
    assert skipped.code == 0
    assert "send: false" in skipped.out
    failed, succeeded = (record["message"] for record in emulator.messages())
    assert failed["groupRecipients"] == [{"name": "sre-oncall"}]
    assert failed["security"]["portionMarkings"] == ["SENSITIVE"]
    assert failed["title"]["value"] == f"{STACK} is broken: version 1.4.0 (run 1) failed"
    assert failed["body"]["value"].startswith("- `orders-db`")
    assert succeeded["groupRecipients"] == [{"name": "platform-team"}]
    assert succeeded["security"]["portionMarkings"] == ["UNCLASSIFIED"]


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        (
            'title: "{stack} {verison}"\n',
            "title: unknown placeholder {verison} (did you mean {version}?)",
        ),
        (
            'events:\n  failed:\n    body: "{summary.__class__}"\n',
            "events.failed.body: unknown placeholder",
        ),
        (
            'events:\n  failed:\n    body: "{summary!r}"\n',
            "events.failed.body: placeholder {summary} has a conversion",
        ),
        ("events:\n  broken: {}\n", "events: unknown key 'broken'"),
        (
            "events:\n  failed:\n    recipient: [x]\n",
            "unknown key 'recipient' (did you mean recipients?)",
        ),
        ("markings: SECRET\n", "markings: must be a non-empty list"),
        (
            "recipients: [{name: ops, realm: [1, 2]}]\n",
            "recipients[0].realm: must be a realm name (text)",
        ),
        (
            "events:\n  failed:\n    recipients: [a, {name: ops, reaml: r}]\n",
            "events.failed.recipients[1]: unknown key 'reaml'",
        ),
        ("send: maybe\n", "send: must be true or false"),
        ("[1, 2]\n", "must be a mapping"),
        ("a: [\n", "gotham-inbox-announce.yaml"),
    ],
)
def test_a_broken_routes_file_is_bad_input_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str],
    project: AnnounceProject,
    emulator: RunningEmulator,
    routes: str,
    expected: str,
) -> None:
    path = project.write("gotham-inbox-announce.yaml", routes)
    done = announce(capsys, project, "--event", "started", "--run-id", "1")
    assert done.code == exit_codes.BAD_INPUT
    assert expected in done.err
    assert str(path) in done.err
    assert done.err.count("\n") == 1
    assert emulator.messages() == []


def test_without_routes_or_stack_defaults_the_missing_setting_is_named(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    project.configure(emulator, gotham_realm=None, gotham_announceGroups=None)
    done = announce(capsys, project, "--event", "started", "--run-id", "1")
    assert done.code == exit_codes.BAD_INPUT
    assert "gotham:announceGroups" in done.err
    assert "GOTHAM_ANNOUNCE_GROUPS" in done.err


def test_an_announcement_the_pack_refuses_is_not_sent(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    config = json.loads((project.root / "policy-config.json").read_text("utf-8"))
    config["inbox-markings"]["allowedMarkings"] = ["UNCLASSIFIED", "SENSITIVE"]
    project.write(f"policy-config.{STACK}.json", json.dumps(config))
    project.write("gotham-inbox-announce.yaml", "events:\n  failed:\n    markings: [SECRET]\n")
    done = announce(capsys, project, "--event", "failed", "--run-id", "1")
    assert done.code == exit_codes.MANDATORY_VIOLATION
    assert "[mandatory] inbox-markings: message.security.portionMarkings[0]" in done.out
    assert "SECRET" in done.out
    assert "not sent" in done.out
    assert emulator.messages() == []
    # The same event with the team's marking goes out.
    assert announce(capsys, project, "--event", "succeeded", "--run-id", "1").code == 0
    assert len(emulator.messages()) == 1


def test_dry_run_prints_the_message_sends_nothing_and_needs_no_token(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    project.configure(emulator, gotham_hostname=None, gotham_token=None)
    log = project.event_log(FAILED_UP_EVENTS)
    done = announce(
        capsys,
        project,
        "--event",
        "failed",
        "--run-id",
        "3",
        "--event-log",
        str(log),
        "--version",
        "2.0.0",
        "--dry-run",
        "--format",
        "json",
    )
    assert done.code == exit_codes.OK, done.err
    document = done.json()
    assert document["status"] == "dry-run"
    assert document["deploy"] == {
        "version": "2.0.0",
        "runId": "3",
        "runAttempt": None,
        "oncePer": "run",
        "anchor": "3",
    }
    assert document["summary"]["failedResources"][0]["urn"].endswith("::orders-db")
    assert document["message"]["sourceId"] == document["sourceId"]
    assert emulator.messages() == []


def test_the_salt_keys_the_source_id(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    def source_id() -> str:
        done = announce(
            capsys, project, "--event", "started", "--run-id", "1", "--dry-run", "--format", "json"
        )
        return str(done.json()["sourceId"])

    unsalted = source_id()
    assert source_id() == unsalted
    monkeypatch.setenv("GOTHAM_SOURCE_ID_SALT", "a-secret-salt-of-some-length")
    salted = source_id()
    assert salted != unsalted
    assert source_id() == salted


def test_a_credential_quoted_in_an_engine_error_is_redacted(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    token = emulator.token_for()
    events = json.loads(json.dumps(FAILED_UP_EVENTS))
    events[0]["diagnosticEvent"]["message"] = f"401: bad token {token} sent"
    log = project.event_log(events)
    done = announce(capsys, project, "--event", "failed", "--run-id", "1", "--event-log", str(log))
    assert done.code == 0, done.err
    (stored,) = emulator.messages()
    assert token not in json.dumps(stored)
    assert token not in done.out
    assert "bad token *** sent" in stored["message"]["body"]["value"]


def test_a_credential_where_an_error_is_cut_is_redacted_before_the_cut(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    token = emulator.token_for()
    events = json.loads(json.dumps(FAILED_UP_EVENTS))
    events[0]["diagnosticEvent"]["message"] = "x" * (MAX_TEXT - 8) + token + " was refused"
    log = project.event_log(events)
    done = announce(capsys, project, "--event", "failed", "--run-id", "1", "--event-log", str(log))
    assert done.code == 0, done.err
    (stored,) = emulator.messages()
    assert token[:6] not in json.dumps(stored)
    assert "***" in stored["message"]["body"]["value"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "document 1 is not JSON"),
        ('{"sequence": 1}\n[1, 2]\n', "document 2 is a JSON list"),
        ("[" * 100_000 + "]" * 100_000, "document 1"),
        ("\xff", "not valid UTF-8"),
    ],
)
def test_a_broken_summary_is_bad_input_and_nothing_is_sent(
    capsys: pytest.CaptureFixture[str],
    project: AnnounceProject,
    emulator: RunningEmulator,
    content: str,
    expected: str,
) -> None:
    path = project.root / "summary.json"
    path.write_bytes(content.encode("latin-1") if content == "\xff" else content.encode())
    done = announce(capsys, project, "--event", "failed", "--run-id", "1", "--summary", str(path))
    assert done.code == exit_codes.BAD_INPUT, done.err
    assert expected in done.err
    assert str(path) in done.err
    assert emulator.messages() == []


def test_with_format_json_a_failure_is_one_json_document_too(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    args = ("--event", "failed", "--run-id", "1", "--format", "json")
    bad = announce(capsys, project, *args, "--summary", str(missing))
    assert bad.code == exit_codes.BAD_INPUT
    assert bad.json()["status"] == "error"
    assert bad.json()["exitCode"] == exit_codes.BAD_INPUT
    assert f"{missing} does not exist" in bad.json()["error"]
    with running_emulator() as gone:
        address = gone.base_url
    project.configure(gone, gotham_hostname=address)
    unreachable = announce(capsys, project, *args)
    assert unreachable.code == exit_codes.UNAVAILABLE, unreachable.err
    assert unreachable.json()["exitCode"] == exit_codes.UNAVAILABLE
    assert "not announced" in unreachable.json()["error"]


def test_a_missing_summary_file_is_bad_input(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    done = announce(
        capsys, project, "--event", "failed", "--run-id", "1", "--summary", str(missing)
    )
    assert done.code == exit_codes.BAD_INPUT
    assert f"{missing} does not exist" in done.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), "give --version, or a run id (--run-id)"),
        (("--once-per", "run", "--version", "1.0"), "no run id: outside GitHub Actions"),
        (("--once-per", "version", "--version", " "), "no version to announce once per"),
        (("--run-id", "1\n2"), "the run id contains a control, format or line-break character"),
        (("--run-id", "4\u202e2"), "the run id contains a control, format or line-break"),
        (("--version", "1.4\u2028.0"), "the version contains a control, format or line-break"),
        (("--version", "1.4\u0085.0"), "the version contains a control, format or line-break"),
        (("--run-id", "x" * 201), "the run id is 201 characters long"),
    ],
)
def test_a_deploy_that_cannot_be_identified_is_bad_input(
    capsys: pytest.CaptureFixture[str],
    project: AnnounceProject,
    emulator: RunningEmulator,
    args: tuple[str, ...],
    expected: str,
) -> None:
    project.configure(emulator, shop_version=None)
    done = announce(capsys, project, "--event", "started", *args)
    assert done.code == exit_codes.BAD_INPUT
    assert expected in done.err
    assert emulator.messages() == []


def test_an_unreachable_gotham_is_unavailable_and_says_nothing_was_sent(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject
) -> None:
    with running_emulator() as gone:
        address = gone.base_url
    project.configure(gone, gotham_hostname=address)
    done = announce(capsys, project, "--event", "started", "--run-id", "1")
    assert done.code == exit_codes.UNAVAILABLE
    assert "not announced" in done.err
    assert "Nothing was sent" in done.err
    assert "emu-7c41e9a3f05b2d86" not in done.err


def test_a_project_of_any_runtime_is_announced(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    project.write("Pulumi.yaml", f"name: {PROJECT}\nruntime: yaml\n")
    (project.root / "__main__.py").unlink()
    done = announce(capsys, project, "--event", "started", "--run-id", "1")
    assert done.code == exit_codes.OK, done.err
    assert len(emulator.messages()) == 1


def test_a_deploy_that_stopped_before_or_while_the_engine_wrote_is_still_announced(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, emulator: RunningEmulator
) -> None:
    missing_log = project.root / "never-written.jsonl"
    empty_json = project.write("up.json", "")  # `pulumi up --json > up.json` that never started
    cut = project.event_log(FAILED_UP_EVENTS)
    cut.write_text(cut.read_text()[:-40])  # a killed engine's last line
    for run_id, source in [
        ("1", ("--event-log", str(missing_log))),
        ("2", ("--summary", str(empty_json))),
        ("3", ("--summary", str(cut))),
    ]:
        done = announce(capsys, project, "--event", "failed", "--run-id", run_id, *source)
        assert done.code == exit_codes.OK, done.err
    no_log, no_output, killed = (
        record["message"]["body"]["value"] for record in emulator.messages()
    )
    assert NOTHING_WRITTEN in no_log
    assert NOTHING_WRITTEN in no_output
    assert "`orders-db`" in killed
    assert CUT_SHORT in killed


def undecryptable_token(
    project: AnnounceProject,
    emulator: RunningEmulator,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The stack holds gotham:token as a secret that cannot be decrypted here (no pulumi)."""
    project.configure(emulator, gotham_token={"secure": "v1:not-decryptable-here"})
    no_pulumi = tmp_path / "empty-bin"
    no_pulumi.mkdir()
    monkeypatch.setenv("PATH", str(no_pulumi))


@pytest.mark.parametrize("output", ["text", "json"])
def test_a_dry_run_that_cannot_decrypt_the_stack_s_secrets_shows_no_text_that_may_quote_them(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: AnnounceProject,
    emulator: RunningEmulator,
    tmp_path: Path,
    output: str,
) -> None:
    # The stack's token is unknown here, so an engine error quoting it cannot be redacted.
    undecryptable_token(project, emulator, monkeypatch, tmp_path)
    quoted = "stacktoken-4f1d9c0a7e6b5d3c"
    log = project.event_log(
        [{"diagnosticEvent": {"severity": "error", "message": f"401 for Bearer {quoted}"}}]
    )
    args = ("--event", "failed", "--run-id", "1", "--event-log", str(log), "--dry-run")
    done = announce(capsys, project, *args, "--format", output)
    assert done.code == exit_codes.OK, done.err
    assert quoted not in done.out
    assert "the stack's secrets (gotham:token) could not be decrypted" in done.out
    if output == "json":
        assert done.json()["summary"] is None
        assert done.json()["message"]["body"] is None
    # With the variable standing in, the token is known and the text is shown, redacted.
    monkeypatch.setenv("GOTHAM_TOKEN", quoted)
    shown = announce(capsys, project, *args)
    assert "401 for Bearer ***" in shown.out
    assert quoted not in shown.out


def test_a_secret_setting_that_cannot_be_decrypted_falls_back_to_its_variable_or_is_named(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: AnnounceProject,
    emulator: RunningEmulator,
    tmp_path: Path,
) -> None:
    undecryptable_token(project, emulator, monkeypatch, tmp_path)
    refused = announce(capsys, project, "--event", "started", "--run-id", "1")
    assert refused.code == exit_codes.BAD_INPUT
    assert "gotham:token is a secret of stack 'prod' and could not be decrypted" in refused.err
    assert "no `pulumi` on PATH" in refused.err
    assert "GOTHAM_TOKEN" in refused.err
    assert emulator.messages() == []
    monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for())
    assert announce(capsys, project, "--event", "started", "--run-id", "1").code == exit_codes.OK
    assert len(emulator.messages()) == 1

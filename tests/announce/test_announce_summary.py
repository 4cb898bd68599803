"""The deploy summary: read from the engine's JSON, or its typed Automation API events, bounded."""

from __future__ import annotations

import json
from pathlib import Path

from pulumi.automation import EngineEvent

from gotham_inbox.announce.automation import add_event
from gotham_inbox.announce.summary import MAX_ITEMS, MAX_TEXT, SummaryBuilder, read_summary
from tests.announce.announce_support import FAILED_UP_EVENTS


def test_an_event_log_gives_changes_failures_and_duration(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in FAILED_UP_EVENTS))
    summary = read_summary(path)
    assert summary.changes == {"create": 2, "same": 3}
    assert summary.duration_seconds == 7
    (failed,) = summary.failed
    assert (failed.name, failed.type, failed.op) == ("orders-db", "cloud:db:Instance", "create")
    assert failed.errors == ["creating orders-db: quota exceeded"]


def test_the_automation_api_events_give_the_same_summary(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(event) + "\n" for event in FAILED_UP_EVENTS))
    builder = SummaryBuilder()
    for event in FAILED_UP_EVENTS:
        add_event(builder, EngineEvent.from_json(event))
    assert builder.finish() == read_summary(path)


def test_a_preview_digest_names_failures_by_their_diagnostics(tmp_path: Path) -> None:
    urn = "urn:pulumi:dev::shop::cloud:Bucket::logs"
    digest = {
        "steps": [{"op": "create", "urn": urn}],
        "diagnostics": [
            {"urn": urn, "message": "bucket name taken", "severity": "error"},
            {"message": "a warning", "severity": "warning"},
            {"message": "preview failed", "severity": "error"},
        ],
        "duration": 2_500_000_000,
        "changeSummary": {"create": 1},
    }
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(digest, indent=2))
    summary = read_summary(path)
    assert [(f.name, f.errors) for f in summary.failed] == [("logs", ["bucket name taken"])]
    assert summary.errors == ["preview failed"]
    assert summary.duration_seconds == 2.5
    assert summary.changes == {"create": 1}


def test_policy_violations_keep_the_rule_s_text_after_the_description() -> None:
    builder = SummaryBuilder()
    builder.add_document(
        {
            "policyEvent": {
                "policyName": "inbox-markings",
                "enforcementLevel": "mandatory",
                "resourceUrn": "urn:pulumi:dev::shop::x::m",
                "message": "Markings allowed.\nmessage.security: SECRET is not allowed",
            }
        }
    )
    (violation,) = builder.finish().policy
    assert (violation.policy, violation.level, violation.text) == (
        "inbox-markings",
        "mandatory",
        "message.security: SECRET is not allowed",
    )


def test_the_summary_is_bounded_whatever_the_input() -> None:
    builder = SummaryBuilder()
    for index in range(5 * MAX_ITEMS):
        urn = f"urn:pulumi:dev::shop::t::r{index}"
        for attempt in range(10):
            builder.diagnostic("error", f"error {attempt} " + "x" * 10 * MAX_TEXT, urn)
        builder.resource_failed(urn, "t", "create")
        builder.diagnostic("error", f"general {index}", None)
        builder.policy_violation("p", "advisory", urn, "text")
    builder.resource_failed("u" * 10 * MAX_TEXT, "t" * 10 * MAX_TEXT, "create")
    summary = builder.finish()
    assert len(summary.failed) == MAX_ITEMS
    assert len(summary.errors) == MAX_ITEMS
    assert len(summary.policy) == MAX_ITEMS
    assert summary.left_out == 3 * 4 * MAX_ITEMS + 1
    assert all(len(failed.errors) <= 3 for failed in summary.failed)
    assert all(len(error) <= MAX_TEXT for failed in summary.failed for error in failed.errors)
    assert all(len(failed.urn) <= MAX_TEXT for failed in summary.failed)


def test_a_long_urn_is_cut_and_still_matches_its_errors() -> None:
    builder = SummaryBuilder()
    urn = "urn:pulumi:dev::shop::t::" + "r" * 10 * MAX_TEXT
    builder.diagnostic("error", "boom", urn)
    builder.resource_failed(urn, "t" * 10 * MAX_TEXT, "create")
    (failed,) = builder.finish().failed
    assert failed.errors == ["boom"]
    assert len(failed.urn) == MAX_TEXT
    assert failed.type is not None and len(failed.type) == MAX_TEXT


def test_a_python_traceback_is_shortened_to_its_exception() -> None:
    builder = SummaryBuilder()
    urn = "urn:pulumi:dev::shop::pulumi-python:dynamic/local:ReleaseManifest::broken"
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/venv/pulumi/dynamic/__main__.py", line 84, in wrapper\n'
        "    return fn(self, request, context)\n"
        "NotADirectoryError: [Errno 20] Not a directory: 'Pulumi.yaml/broken.json'\n"
    )
    builder.diagnostic("error", traceback, urn)
    builder.resource_failed(urn, None, "create")
    (failed,) = builder.finish().failed
    assert failed.errors == [
        "NotADirectoryError: [Errno 20] Not a directory: 'Pulumi.yaml/broken.json'"
    ]


def test_a_program_s_traceback_keeps_what_precedes_it_and_its_exception() -> None:
    builder = SummaryBuilder()
    builder.diagnostic(
        "error",
        "error: Program failed with an unhandled exception:\nTraceback (most recent call last):\n"
        '  File "__main__.py", line 94, in <module>\n'
        "    raise RuntimeError('the program is broken')\n"
        "RuntimeError: the program is broken\n\n",
        None,
    )
    assert builder.finish().errors == [
        "error: Program failed with an unhandled exception: RuntimeError: the program is broken"
    ]

"""Helpers of the policy tests: messages, resources, the shared rule cases, an analyzer driver.

The same :data:`CASES` run through the pure functions (``evaluate``), through the real pack
driven over gRPC as the engine drives it, and through a parity check between the two.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from gotham_inbox.directory import load_directory
from gotham_inbox.policy import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    EnforcementLevel,
    InboxResource,
    StackContext,
    Violation,
    evaluate,
    resolve_pack_config,
)
from gotham_inbox.policy.directory_config import policy_config_from_directory
from gotham_inbox.policy.pack_config import ResolvedPolicy
from gotham_inbox.unknowns import UNKNOWN_STRING
from tests.support import RELEASE_MESSAGE, changed

REPO = Path(__file__).resolve().parents[2]
PACK_DIR = REPO / "policies"
PROJECT = "inbox-project"
POLICY_NAMES = (
    "inbox-message-valid",
    "inbox-batch-atomicity",
    "inbox-realm-requirements",
    "inbox-markings",
    "inbox-recipients-can-read",
    "inbox-content",
)
"""The pack's policies, in the order the pack declares them (and SARIF lists its rules)."""


def source_id(seed: str) -> str:
    """A deterministic sourceId, so case ids and expected texts are stable."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gotham-inbox-policy-tests/{seed}"))


def message(seed: str = "m", **changes: Any) -> dict[str, Any]:
    """A valid wire message with its own sourceId; ``None`` in changes removes a field."""
    return changed({**RELEASE_MESSAGE, "sourceId": source_id(seed)}, changes)


def to(*groups: str | tuple[str, str]) -> list[dict[str, str]]:
    """Group recipients: ``"name"`` (no realm) or ``("name", "realm")``."""
    return [
        {"name": group} if isinstance(group, str) else {"name": group[0], "realm": group[1]}
        for group in groups
    ]


def marked(*markings: str) -> dict[str, list[str]]:
    """A security block with these portion markings."""
    return {"portionMarkings": list(markings)}


def urn(resource_type: str, name: str, stack: str = "dev") -> str:
    """The URN the engine gives a top-level resource of the test project."""
    return f"urn:pulumi:{stack}::{PROJECT}::{resource_type}::{name}"


def single(name: str, data: Any, **inputs: Any) -> InboxResource:
    """An InboxMessage resource with input ``message`` (left out when ``data`` is ``...``)."""
    props = dict(inputs) if data is ... else {"message": data, **inputs}
    return InboxResource(INBOX_MESSAGE_TYPE, urn(INBOX_MESSAGE_TYPE, name), name, props)


def batch(name: str, data: Any) -> InboxResource:
    """An InboxMessageBatch resource with input ``messages``."""
    resource_type = INBOX_MESSAGE_BATCH_TYPE
    return InboxResource(resource_type, urn(resource_type, name), name, {"messages": data})


def example_config(caller: str = "release-bot") -> dict[str, Any]:
    """The policy config generated from the example directory for ``caller``."""
    directory = load_directory()
    return policy_config_from_directory(directory, directory.user(caller))


DIRECTORY_POLICIES = ("inbox-realm-requirements", "inbox-markings", "inbox-recipients-can-read")
"""The policies that judge against the directory, and say so when their config lacks it."""


def without_directory(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``config`` with ``missingDirectory: ignore`` on every policy that needs the directory:
    a case about another rule says explicitly that it has no directory."""
    changed_config = dict(config or {})
    for name in DIRECTORY_POLICIES:
        entry = changed_config.get(name, {})
        if isinstance(entry, str):  # a level alone
            entry = {"enforcementLevel": entry}
        changed_config[name] = {**entry, "missingDirectory": "ignore"}
    return changed_config


REALM = "palantir-internal-realm"


@dataclass(frozen=True)
class Expect:
    """A violation a case must produce: policy, property path, a part of the message, level."""

    policy: str
    field: str
    says: str
    level: EnforcementLevel = EnforcementLevel.MANDATORY


@dataclass(frozen=True)
class Case:
    """Resources, a policy config and a stack; what must and must not be reported.

    ``expect`` lists every violation of each policy it mentions (counts must match);
    ``clean`` lists policies that must report nothing.
    """

    id: str
    resources: Sequence[InboxResource]
    expect: Sequence[Expect] = ()
    clean: Sequence[str] = ()
    config: Mapping[str, Any] | None = None
    stack: str = "dev"
    stack_config: Mapping[str, str] = field(default_factory=dict)

    @property
    def context(self) -> StackContext:
        return StackContext(stack=self.stack, config=dict(self.stack_config))

    def settings(self) -> dict[str, ResolvedPolicy]:
        return resolve_pack_config(self.config)


@dataclass(frozen=True, order=True)
class Reported:
    """A violation as both sides can report it: comparable across the CLI and the analyzer."""

    policy: str
    level: str
    urn: str
    text: str


def reported_by_evaluate(case: Case) -> list[Reported]:
    """The case's violations through the pure functions (what ``check`` runs)."""
    return [
        Reported(v.policy, v.level.value, v.urn, v.text)
        for v in evaluate(case.resources, case.settings(), case.context)
    ]


def evaluate_case(case: Case) -> list[Violation]:
    """The case's violations through :func:`evaluate`."""
    return evaluate(case.resources, case.settings(), case.context)


def assert_expectations(case: Case, found: Iterable[Reported]) -> None:
    """Every expected violation found, with the right counts, and clean policies silent."""
    found = list(found)
    for policy in case.clean:
        assert [item for item in found if item.policy == policy] == [], policy
    for policy in {expect.policy for expect in case.expect}:
        wanted = [expect for expect in case.expect if expect.policy == policy]
        got = [item for item in found if item.policy == policy]
        assert len(got) == len(wanted), (policy, got)
        for expect in wanted:
            prefix = f"{expect.field}: " if expect.field else ""
            assert any(
                item.text.startswith(prefix)
                and expect.says in item.text
                and item.level == expect.level.value
                for item in got
            ), (expect, got)


def _refused_batch_cases(example: Mapping[str, Any]) -> list[Case]:
    """A batch of two whose second message the server would refuse, for each reason."""
    reasons: list[tuple[str, dict[str, Any], str, str, str]] = [
        (
            "unknown-group",
            {"groupRecipients": to("nope-team")},
            "groupRecipients[0].name",
            "group 'nope-team' is not a known group (Gotham refuses it: 400 UnknownRecipients)",
            "inbox-realm-requirements",
        ),
        (
            "wrong-realm",
            {"groupRecipients": to(("platform-team", "partner-realm"))},
            "groupRecipients[0].realm",
            "group 'platform-team' does not exist in realm 'partner-realm' (Gotham refuses it: "
            "400 UnknownRecipients)",
            "inbox-realm-requirements",
        ),
        (
            "invalid-marking",
            {"security": marked("SECERT")},
            "security.portionMarkings[0]",
            "marking 'SECERT' is not an allowed marking",
            "inbox-markings",
        ),
        (
            "beyond-clearance",
            {"security": marked("SECRET")},
            "security.portionMarkings[0]",
            "the caller is not cleared for marking 'SECRET'",
            "inbox-markings",
        ),
        (
            "over-a-server-limit",
            {"title": {"value": "x" * 1001}},
            "title.value",
            "the title is 1001 characters, more than the server's maxTitleLength 1000",
            "inbox-message-valid",
        ),
    ]
    cases = []
    for name, change, field_path, reason, owner in reasons:
        owner_level = EnforcementLevel.MANDATORY
        verdict = "is invalid" if owner == "inbox-message-valid" else "would be refused"
        cases.append(
            Case(
                f"batch-refused-whole-for-{name}",
                [batch("team", [message("a"), message("b", **change)])],
                config=example,
                expect=[
                    Expect(
                        "inbox-batch-atomicity",
                        f"messages[1].{field_path}",
                        f"message 1 {verdict} ({reason}), so the server refuses the whole "
                        f"batch and sends none of its 2 messages; fix message 1 (see {owner})",
                    ),
                    Expect(owner, f"messages[1].{field_path}", reason, owner_level),
                ],
            )
        )
    return cases


def _cases() -> list[Case]:
    example = example_config()
    dup = source_id("shared")
    # A group in another realm without its realm, a group that does not exist, a marking.
    unjudged = single(
        "restricted",
        message(groupRecipients=to("partner-ops", "no-such-group"), security=marked("RESTRICTED")),
    )
    return [
        # --- inbox-message-valid ---------------------------------------------------------
        Case(
            "valid-message-is-clean",
            [single("ok", message())],
            config=without_directory(),
            clean=[
                "inbox-message-valid",
                "inbox-batch-atomicity",
                "inbox-markings",
                "inbox-recipients-can-read",
            ],
        ),
        Case(
            "message-missing-sender",
            [single("no-sender", message(sender=None))],
            expect=[
                Expect("inbox-message-valid", "message.sender", "required field 'sender'"),
            ],
        ),
        Case(
            "message-without-recipients",
            [single("nobody", message(groupRecipients=[]))],
            expect=[Expect("inbox-message-valid", "message.groupRecipients", "no recipients")],
        ),
        Case(
            "batch-message-with-typo-field",
            [
                batch(
                    "typo",
                    [
                        message("a"),
                        {**message("b", groupRecipients=None), "groupRecipient": to("sre-oncall")},
                    ],
                )
            ],
            expect=[
                Expect(
                    "inbox-message-valid",
                    "messages[1].groupRecipient",
                    "did you mean 'groupRecipients'",
                ),
                Expect(
                    "inbox-message-valid",
                    "messages[1].groupRecipients",
                    "required field 'groupRecipients'",
                ),
            ],
        ),
        Case(
            "resource-shapes",
            [single("no-input", ...), batch("empty", []), batch("not-a-list", message())],
            expect=[
                Expect("inbox-message-valid", "message", "has no 'message' input"),
                Expect("inbox-message-valid", "messages", "the batch has no messages"),
                Expect("inbox-message-valid", "messages", "must be a list"),
            ],
        ),
        Case(
            "unknown-values-during-preview-are-skipped",
            [
                single(
                    "preview",
                    message(
                        title={"value": UNKNOWN_STRING},
                        groupRecipients=UNKNOWN_STRING,
                        sourceId=UNKNOWN_STRING,
                    ),
                ),
                batch("whole-list-unknown", UNKNOWN_STRING),
                single("whole-message-unknown", UNKNOWN_STRING),
            ],
            config=without_directory(),
            clean=POLICY_NAMES,
        ),
        # --- what the config does not know ---------------------------------------------------
        Case(
            "no-directory-in-the-config-is-a-finding-at-each-policys-level",
            [
                unjudged,
                batch("later", [message("a"), message("b")]),
            ],
            stack_config={"gotham:realm": REALM},
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "",
                    "the policy config gives no groups, so 4 recipient(s) of 3 message(s) "
                    "could not be judged; write the config from the directory with "
                    "`gotham-inbox policy-config --directory FILE --caller USER` (or set "
                    "missingDirectory to ignore if this stack has no directory on purpose)",
                ),
                Expect(
                    "inbox-markings",
                    "",
                    "the policy config gives no allowedMarkings and no callerClearance, so 3 "
                    "marking(s) of 3 message(s) could not be judged",
                ),
                Expect(
                    "inbox-recipients-can-read",
                    "",
                    "the policy config gives no groups, so 4 recipient(s) of 3 message(s) "
                    "could not be judged",
                    EnforcementLevel.ADVISORY,
                ),
            ],
        ),
        Case(
            "a-missing-clearance-alone-is-a-finding",
            [single("fine", message(security=marked("UNCLASSIFIED")))],
            config={
                **example,
                "inbox-markings": {"allowedMarkings": ["UNCLASSIFIED", "SENSITIVE"]},
            },
            expect=[
                Expect(
                    "inbox-markings",
                    "",
                    "the policy config gives no callerClearance, so 1 marking(s) of 1 message(s)",
                )
            ],
            clean=["inbox-realm-requirements", "inbox-recipients-can-read"],
        ),
        Case(
            "no-directory-said-explicitly-is-clean",
            [unjudged],
            config=without_directory(),
            stack_config={"gotham:realm": REALM},
            clean=POLICY_NAMES,
        ),
        Case(
            "nothing-to-judge-is-no-finding",
            [single("unknown", UNKNOWN_STRING), batch("empty", [])],
            clean=["inbox-realm-requirements", "inbox-markings", "inbox-recipients-can-read"],
        ),
        # --- inbox-batch-atomicity -----------------------------------------------------------
        Case(
            "valid-batch-is-all-or-nothing",
            [batch("release", [message("a"), message("b")]), single("other", message("c"))],
            clean=["inbox-batch-atomicity"],
        ),
        Case(
            "invalid-message-refuses-whole-batch",
            [batch("release", [message("a"), message("b", title=None), message("c")])],
            expect=[
                Expect(
                    "inbox-batch-atomicity",
                    "messages[1].title",
                    "server refuses the whole batch and sends none of its 3 messages",
                )
            ],
        ),
        Case(
            "duplicate-source-id-in-batch-is-a-partial-send",
            [batch("release", [message("a"), message("b", sourceId=source_id("a").upper())])],
            expect=[
                Expect(
                    "inbox-batch-atomicity",
                    "messages[1].sourceId",
                    f"sourceId {source_id('a')} is also used by messages[0]",
                )
            ],
        ),
        Case(
            "batch-over-max-size",
            [batch("big", [message(str(i)) for i in range(3)])],
            config={"inbox-batch-atomicity": {"maxBatchSize": 2}},
            expect=[
                Expect(
                    "inbox-batch-atomicity",
                    "messages",
                    "3 messages, more than maxBatchSize 2; split it",
                )
            ],
        ),
        Case(
            "same-source-id-in-two-resources",
            [single("first", message(sourceId=dup)), batch("second", [message("x", sourceId=dup)])],
            expect=[
                Expect("inbox-batch-atomicity", "message.sourceId", "also used by second"),
                Expect("inbox-batch-atomicity", "messages[0].sourceId", "also used by first"),
            ],
        ),
        Case(
            "batch-at-max-size-is-clean",
            [batch("full", [message(str(i)) for i in range(2)])],
            config={"inbox-batch-atomicity": {"maxBatchSize": 2}},
            clean=["inbox-batch-atomicity"],
        ),
        Case(
            "batch-over-the-servers-messages-per-request-is-refused-whole",
            [batch("big", [message(str(i)) for i in range(3)])],
            config={"inbox-batch-atomicity": {"maxBatchSize": 2, "maxMessagesPerRequest": 2}},
            expect=[
                Expect(
                    "inbox-batch-atomicity",
                    "messages",
                    "the batch has 3 messages, more than the server's maxMessagesPerRequest 2, "
                    "so the server refuses the whole request and sends none of them",
                )
            ],
        ),
        Case(
            "batch-at-the-servers-messages-per-request-is-clean",
            [batch("full", [message(str(i)) for i in range(2)])],
            config={"inbox-batch-atomicity": {"maxMessagesPerRequest": 2}},
            clean=["inbox-batch-atomicity"],
        ),
        *_refused_batch_cases(example),
        Case(
            "house-style-title-limit-is-not-a-server-refusal",
            [batch("team", [message("a"), message("b", title={"value": "x" * 201})])],
            config=example,
            expect=[
                Expect(
                    "inbox-content",
                    "messages[1].title.value",
                    "the title is 201 characters, more than maxTitleLength 200",
                    EnforcementLevel.ADVISORY,
                )
            ],
            clean=["inbox-batch-atomicity", "inbox-message-valid"],
        ),
        Case(
            "recipients-past-the-servers-limit",
            [single("crowd", message(groupRecipients=to("platform-team", "platform-team")))],
            config={"inbox-message-valid": {"maxRecipientsPerMessage": 1}},
            expect=[
                Expect(
                    "inbox-message-valid",
                    "message.groupRecipients",
                    "the message has 2 recipients, more than the server's "
                    "maxRecipientsPerMessage 1; the server refuses it (400 "
                    "InvalidMessageRequests): split it",
                )
            ],
        ),
        Case(
            "body-at-the-servers-limit-is-clean",
            [single("exact", message(body={"value": "é" * 3, "formatStyle": "MARKDOWN"}))],
            config={"inbox-message-valid": {"maxBodyLength": 3}},
            clean=["inbox-message-valid"],
        ),
        Case(
            "ceiling-is-not-a-server-refusal",
            [batch("dev-alerts", [message("a"), message("b", security=marked("SENSITIVE"))])],
            config=without_directory(
                {
                    "inbox-markings": {
                        "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"],
                        "stackMaxMarkings": {"dev": "UNCLASSIFIED"},
                    },
                    "inbox-realm-requirements": "disabled",
                }
            ),
            expect=[
                Expect(
                    "inbox-markings", "messages[1].security.portionMarkings[0]", "above the ceiling"
                )
            ],
            clean=["inbox-batch-atomicity"],
        ),
        Case(
            "disabled-policy-knowledge-is-not-used-for-atomicity",
            [batch("team", [message("a"), message("b", groupRecipients=to("nope-team"))])],
            config={**example, "inbox-realm-requirements": "disabled"},
            clean=["inbox-batch-atomicity", "inbox-realm-requirements"],
        ),
        # --- inbox-realm-requirements --------------------------------------------------------
        Case(
            "policy-caller-realm-wins-over-stack-realm",
            [single("implicit", message(groupRecipients=to("platform-team")))],
            config={
                "inbox-realm-requirements": {
                    "callerRealm": REALM,
                    "groups": [{"name": "platform-team", "realm": REALM}],
                }
            },
            stack_config={"gotham:realm": "partner-realm"},
            clean=["inbox-realm-requirements"],
        ),
        Case(
            "stack-realm-is-the-fallback-of-caller-realm",
            [single("implicit", message(groupRecipients=to("platform-team")))],
            config={
                "inbox-realm-requirements": {
                    "groups": [{"name": "platform-team", "realm": REALM}],
                }
            },
            stack_config={"gotham:realm": "partner-realm"},
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "not in the caller's realm 'partner-realm'",
                )
            ],
        ),
        Case(
            "empty-realm-is-not-an-omitted-realm",
            [single("empty", message(groupRecipients=[{"name": "platform-team", "realm": ""}]))],
            config=example,
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "group 'platform-team' does not exist in realm ''",
                )
            ],
        ),
        Case(
            "no-caller-realm-requires-explicit-realm",
            [
                single(
                    "implicit", message(groupRecipients=to("platform-team", ("sre-oncall", REALM)))
                )
            ],
            config=without_directory(),
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "caller's realm is unknown",
                )
            ],
        ),
        Case(
            "stack-realm-is-the-fallback-caller-realm",
            [single("implicit", message(groupRecipients=to("platform-team")))],
            config=without_directory(),
            stack_config={"gotham:realm": REALM},
            clean=["inbox-realm-requirements"],
        ),
        Case(
            "group-in-other-realm-needs-explicit-realm",
            [single("partner", message(groupRecipients=to("partner-ops")))],
            config=example,
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "set realm: 'partner-realm'",
                )
            ],
        ),
        Case(
            "stack-realm-used-with-known-groups",
            [batch("partner", [message(groupRecipients=to("partner-ops"))])],
            config={
                "inbox-realm-requirements": {
                    "groups": example["inbox-realm-requirements"]["groups"]
                }
            },
            stack_config={"gotham:realm": REALM},
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "messages[0].groupRecipients[0].realm",
                    f"not in the caller's realm '{REALM}'",
                )
            ],
        ),
        Case(
            "explicit-realm-where-group-does-not-exist",
            [single("wrong", message(groupRecipients=to(("platform-team", "partner-realm"))))],
            config=example,
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "does not exist in realm 'partner-realm'",
                )
            ],
        ),
        Case(
            "unknown-group-is-flagged",
            [single("typo", message(groupRecipients=to("platfrom-team")))],
            config=example,
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].name",
                    "did you mean 'platform-team'",
                )
            ],
        ),
        Case(
            "unknown-group-ignored-when-configured",
            [single("typo", message(groupRecipients=to("new-team")))],
            config={
                "inbox-realm-requirements": {
                    **example["inbox-realm-requirements"],
                    "unknownGroups": "ignore",
                }
            },
            clean=["inbox-realm-requirements"],
        ),
        Case(
            "right-realms-are-clean",
            [
                single(
                    "fine",
                    message(groupRecipients=to("platform-team", ("partner-ops", "partner-realm"))),
                )
            ],
            config=example,
            clean=["inbox-realm-requirements"],
        ),
        # --- inbox-markings ------------------------------------------------------------------
        Case(
            "unknown-marking",
            [single("typo", message(security=marked("SECERT")))],
            config=example,
            expect=[
                Expect(
                    "inbox-markings",
                    "message.security.portionMarkings[0]",
                    "did you mean 'SECRET'",
                )
            ],
        ),
        Case(
            "marking-beyond-caller-clearance",
            [single("secret", message(security=marked("UNCLASSIFIED", "SECRET")))],
            config=example,
            expect=[
                Expect(
                    "inbox-markings",
                    "message.security.portionMarkings[1]",
                    "caller is not cleared for marking 'SECRET'",
                )
            ],
        ),
        Case(
            "stack-ceiling",
            [batch("dev-alerts", [message(security=marked("SENSITIVE"))])],
            config=without_directory(
                {
                    "inbox-markings": {
                        "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"],
                        "stackMaxMarkings": {"dev": "UNCLASSIFIED"},
                    }
                }
            ),
            expect=[
                Expect(
                    "inbox-markings",
                    "messages[0].security.portionMarkings[0]",
                    "above the ceiling 'UNCLASSIFIED' of stack 'dev'",
                )
            ],
        ),
        Case(
            "ceiling-of-another-stack-does-not-apply",
            [batch("dev-alerts", [message(security=marked("SENSITIVE"))])],
            config=without_directory(
                {
                    "inbox-markings": {
                        "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"],
                        "stackMaxMarkings": {"prod": "UNCLASSIFIED"},
                    }
                }
            ),
            clean=["inbox-markings"],
        ),
        Case(
            "no-markings",
            [single("bare", message(security=marked()))],
            config=example,
            # One mistake, one finding: the server's validation owns it, not inbox-markings.
            expect=[
                Expect(
                    "inbox-message-valid", "message.security.portionMarkings", "no portion markings"
                ),
            ],
            clean=["inbox-markings", "inbox-batch-atomicity"],
        ),
        Case(
            "no-markings-in-a-batch",
            [batch("bare", [message("a"), message("b", security=marked())])],
            config=example,
            expect=[
                Expect(
                    "inbox-message-valid",
                    "messages[1].security.portionMarkings",
                    "no portion markings",
                ),
                Expect(
                    "inbox-batch-atomicity",
                    "messages[1].security.portionMarkings",
                    "message 1 is invalid (no portion markings",
                ),
            ],
            clean=["inbox-markings"],
        ),
        Case(
            "marking-at-the-ceiling-is-clean",
            [single("at", message(security=marked("SENSITIVE")))],
            config=without_directory(
                {
                    "inbox-markings": {
                        "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"],
                        "maxMarking": "SENSITIVE",
                    }
                }
            ),
            clean=["inbox-markings"],
        ),
        Case(
            "marking-just-above-the-ceiling",
            [single("above", message(security=marked("SECRET")))],
            config=without_directory(
                {
                    "inbox-markings": {
                        "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"],
                        "maxMarking": "SENSITIVE",
                    }
                }
            ),
            expect=[
                Expect(
                    "inbox-markings",
                    "message.security.portionMarkings[0]",
                    "above the ceiling 'SENSITIVE' of this stack",
                )
            ],
        ),
        Case(
            "empty-caller-clearance-clears-nothing",
            [single("none", message(security=marked("UNCLASSIFIED")))],
            config=without_directory({"inbox-markings": {"callerClearance": []}}),
            expect=[
                Expect(
                    "inbox-markings",
                    "message.security.portionMarkings[0]",
                    "the caller is not cleared for marking 'UNCLASSIFIED' (caller clearance: none)",
                )
            ],
        ),
        Case(
            "allowed-readable-markings-are-clean",
            [single("fine", message(groupRecipients=to("Everyone"), security=marked("SENSITIVE")))],
            config=example,
            clean=["inbox-markings", "inbox-recipients-can-read"],
        ),
        # --- inbox-recipients-can-read -------------------------------------------------------
        Case(
            "recipient-cannot-read-message-is-advice",
            [
                single(
                    "partner",
                    message(
                        groupRecipients=to(("partner-ops", "partner-realm"), "platform-team"),
                        security=marked("SENSITIVE"),
                    ),
                )
            ],
            config=example,
            expect=[
                Expect(
                    "inbox-recipients-can-read",
                    "message.groupRecipients[0]",
                    "'partner-ops' cannot read this message: its clearance (UNCLASSIFIED) "
                    "lacks SENSITIVE, so its members cannot open it",
                    EnforcementLevel.ADVISORY,
                )
            ],
            # The caller may apply SENSITIVE and the server delivers it: nothing mandatory.
            clean=["inbox-markings", "inbox-realm-requirements", "inbox-message-valid"],
        ),
        Case(
            "recipient-without-realm-is-looked-up-in-the-caller-realm",
            [
                batch(
                    "all-hands",
                    [
                        message("a"),
                        message(
                            "b",
                            groupRecipients=to("platform-team", "Everyone"),
                            security=marked("UNCLASSIFIED", "SECRET", "SECRET"),
                        ),
                    ],
                )
            ],
            config=example,
            expect=[
                Expect(
                    "inbox-recipients-can-read",
                    "messages[1].groupRecipients[1]",
                    "'Everyone' cannot read this message: its clearance (UNCLASSIFIED, "
                    "SENSITIVE) lacks SECRET, so",
                    EnforcementLevel.ADVISORY,
                )
            ],
        ),
        Case(
            "stack-realm-picks-the-group-for-readability",
            [single("ops", message(groupRecipients=to("ops"), security=marked("SENSITIVE")))],
            config={
                "inbox-recipients-can-read": {
                    "groups": [
                        {"name": "ops", "realm": "away-realm", "clearance": ["UNCLASSIFIED"]},
                        {"name": "ops", "realm": REALM, "clearance": ["SENSITIVE"]},
                    ]
                },
                "inbox-realm-requirements": "disabled",
            },
            stack_config={"gotham:realm": "away-realm"},
            expect=[
                Expect(
                    "inbox-recipients-can-read",
                    "message.groupRecipients[0]",
                    "'ops' cannot read this message: its clearance (UNCLASSIFIED) lacks SENSITIVE",
                    EnforcementLevel.ADVISORY,
                )
            ],
        ),
        Case(
            "caller-realm-in-policy-config-overrides-the-stack-realm",
            [single("ops", message(groupRecipients=to("ops"), security=marked("SENSITIVE")))],
            config={
                "inbox-recipients-can-read": {
                    "callerRealm": REALM,
                    "groups": [
                        {"name": "ops", "realm": "away-realm", "clearance": ["UNCLASSIFIED"]},
                        {"name": "ops", "realm": REALM, "clearance": ["SENSITIVE"]},
                    ],
                },
                "inbox-realm-requirements": "disabled",
            },
            stack_config={"gotham:realm": "away-realm"},
            clean=["inbox-recipients-can-read"],
        ),
        Case(
            "same-named-groups-without-any-realm-are-not-judged",
            [single("ops", message(groupRecipients=to("ops"), security=marked("SENSITIVE")))],
            config={
                "inbox-recipients-can-read": {
                    "groups": [
                        {"name": "ops", "realm": "away-realm", "clearance": []},
                        {"name": "ops", "realm": REALM, "clearance": ["SENSITIVE"]},
                    ]
                },
                "inbox-realm-requirements": "disabled",
            },
            clean=["inbox-recipients-can-read"],
        ),
        Case(
            "group-entry-without-realm-applies-in-every-realm",
            [
                single(
                    "ops",
                    message(
                        groupRecipients=to(("ops", "away-realm"), ("ops", REALM)),
                        security=marked("SENSITIVE"),
                    ),
                )
            ],
            config={"inbox-recipients-can-read": {"groups": [{"name": "ops", "clearance": []}]}},
            expect=[
                Expect(
                    "inbox-recipients-can-read",
                    f"message.groupRecipients[{position}]",
                    "'ops' cannot read this message: its clearance (none) lacks SENSITIVE",
                    EnforcementLevel.ADVISORY,
                )
                for position in (0, 1)
            ],
        ),
        Case(
            "readability-can-be-made-mandatory",
            [
                single(
                    "partner",
                    message(
                        groupRecipients=to(("partner-ops", "partner-realm")),
                        security=marked("SENSITIVE"),
                    ),
                )
            ],
            config={
                **example,
                "inbox-recipients-can-read": {
                    **example["inbox-recipients-can-read"],
                    "enforcementLevel": "mandatory",
                },
            },
            expect=[
                Expect(
                    "inbox-recipients-can-read",
                    "message.groupRecipients[0]",
                    "'partner-ops' cannot read this message",
                    EnforcementLevel.MANDATORY,
                )
            ],
        ),
        Case(
            "unknown-or-missing-markings-are-not-judged-for-readability",
            [
                batch(
                    "partner",
                    [
                        message(
                            "a",
                            groupRecipients=to(("partner-ops", "partner-realm")),
                            security=marked(UNKNOWN_STRING, "UNCLASSIFIED"),
                        ),
                        message(
                            "b",
                            groupRecipients=to(("partner-ops", "partner-realm")),
                            security={"portionMarkings": UNKNOWN_STRING},
                        ),
                        message(
                            "c",
                            groupRecipients=to(("partner-ops", "partner-realm")),
                            security=marked(),
                        ),
                    ],
                )
            ],
            config=example,
            clean=["inbox-recipients-can-read"],
        ),
        # --- inbox-content -------------------------------------------------------------------
        Case(
            "blank-title-and-sender",
            [single("blank", message(title={"value": "  "}, sender={"displayName": ""}))],
            expect=[
                Expect(
                    "inbox-content",
                    "message.title.value",
                    "title is empty",
                    EnforcementLevel.ADVISORY,
                ),
                Expect(
                    "inbox-content",
                    "message.sender.displayName",
                    "sender display name is empty",
                    EnforcementLevel.ADVISORY,
                ),
            ],
        ),
        Case(
            "title-and-body-limits",
            [
                batch(
                    "long",
                    [
                        message(
                            title={"value": "x" * 11},
                            body={"value": "é" * 6, "formatStyle": "UNFORMATTED"},
                        )
                    ],
                )
            ],
            config={"inbox-content": {"maxTitleLength": 10, "maxBodyBytes": 10}},
            expect=[
                Expect(
                    "inbox-content",
                    "messages[0].title.value",
                    "11 characters, more than maxTitleLength 10",
                    EnforcementLevel.ADVISORY,
                ),
                Expect(
                    "inbox-content",
                    "messages[0].body.value",
                    "12 bytes, more than maxBodyBytes 10",
                    EnforcementLevel.ADVISORY,
                ),
            ],
        ),
        Case(
            "credential-in-body",
            [
                single(
                    "leak",
                    message(
                        body={
                            "value": "use password: hunter2-hunter2, key AKIAABCDEFGHIJKLMNOP",
                            "formatStyle": "UNFORMATTED",
                        }
                    ),
                )
            ],
            config={"inbox-content": "mandatory"},
            expect=[
                Expect(
                    "inbox-content",
                    "message.body.value",
                    "matches aws-access-key-id, credential-assignment",
                )
            ],
        ),
        Case(
            "broadcast-needs-allow",
            [single("all", message(groupRecipients=to("Everyone")))],
            expect=[
                Expect(
                    "inbox-content",
                    "message.groupRecipients[0].name",
                    "'Everyone' is a broadcast group",
                    EnforcementLevel.ADVISORY,
                )
            ],
        ),
        Case(
            "broadcast-allowed",
            [single("all", message(groupRecipients=to("Everyone")))],
            config={"inbox-content": {"allowBroadcast": True}},
            clean=["inbox-content"],
        ),
        Case(
            "ordinary-message-has-good-content",
            [single("fine", message())],
            clean=["inbox-content"],
        ),
        # --- enforcement levels --------------------------------------------------------------
        Case(
            "entry-without-level-keeps-policy-default",
            [single("partner", message(groupRecipients=to("partner-ops")))],
            config={
                "inbox-realm-requirements": {
                    "callerRealm": REALM,
                    "groups": example["inbox-realm-requirements"]["groups"],
                }
            },
            expect=[
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "set realm: 'partner-realm'",
                    EnforcementLevel.MANDATORY,
                )
            ],
        ),
        Case(
            "all-sets-every-level-and-entries-override",
            [single("bad", message(sender=None, groupRecipients=to("Everyone")))],
            config={"all": "advisory", "inbox-content": "disabled"},
            expect=[
                Expect(
                    "inbox-message-valid",
                    "message.sender",
                    "required field 'sender'",
                    EnforcementLevel.ADVISORY,
                ),
                # What the config could not judge is reported at the level 'all' set.
                Expect(
                    "inbox-realm-requirements",
                    "",
                    "the policy config gives no groups, so 1 recipient(s)",
                    EnforcementLevel.ADVISORY,
                ),
                Expect(
                    "inbox-realm-requirements",
                    "message.groupRecipients[0].realm",
                    "caller's realm is unknown",
                    EnforcementLevel.ADVISORY,
                ),
            ],
            clean=["inbox-content"],
        ),
        Case(
            "remediate-reports-as-mandatory",
            [single("all", message(groupRecipients=to("Everyone")))],
            config={"inbox-content": "remediate"},
            expect=[Expect("inbox-content", "message.groupRecipients[0].name", "broadcast group")],
        ),
    ]


CASES: list[Case] = _cases()


# --- driving the real pack over gRPC, as the engine does ------------------------------------

_WIRE_LEVELS = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES_BY_WIRE = {wire: level.value for level, wire in _WIRE_LEVELS.items()}


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct, as the engine sends properties."""
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


def configure_request(
    settings: Mapping[str, ResolvedPolicy],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """Configure as the Pulumi CLI sends it: every policy, its resolved level and properties."""
    return analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            name: analyzer_pb2.PolicyConfig(
                enforcementLevel=_WIRE_LEVELS[policy.level],
                properties=struct(policy.properties),
            )
            for name, policy in settings.items()
        }
    )


class Analyzer:
    """The pack started as Pulumi's Python policy host starts it, driven over gRPC.

    Like the engine, it tells the pack the stack in ``ConfigureStack`` (``via="protocol"``),
    and the pack's environment holds no stack. ``via="environment"`` instead starts the pack
    with ``PULUMI_STACK``/``PULUMI_CONFIG`` and never calls ``ConfigureStack``: the fallback.
    """

    def __init__(
        self,
        stack: str,
        config: Mapping[str, str],
        *,
        via: str = "protocol",
        secret_keys: Sequence[str] = (),
        python: str | Path = sys.executable,
        pack_dir: Path = PACK_DIR,
    ) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        if via == "environment":
            env.update(
                PULUMI_CONFIG=json.dumps(dict(config)),
                PULUMI_PROJECT=PROJECT,
                PULUMI_STACK=stack,
                PULUMI_DRY_RUN="true",
                PULUMI_ORGANIZATION="organization",
            )
        # What pulumi-analyzer-policy-python runs: python -u -m pulumi.policy <engine> <pack dir>
        self.process = subprocess.Popen(
            [str(python), "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        first_line = self.process.stdout.readline().decode().strip()
        if not first_line.isdigit():
            self.process.kill()
            _, errors = self.process.communicate()
            raise RuntimeError(f"the pack did not start: {first_line!r} {errors.decode()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{first_line}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        if via == "protocol":
            self.configure_stack(stack, config, secret_keys)

    def configure_stack(
        self, stack: str, config: Mapping[str, str], secret_keys: Sequence[str] = ()
    ) -> None:
        """``ConfigureStack`` as the engine sends it before it analyzes anything."""
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack,
                project=PROJECT,
                organization="organization",
                dry_run=True,
                config=dict(config),
                config_secret_keys=list(secret_keys),
            )
        )

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, settings: Mapping[str, ResolvedPolicy]) -> None:
        self.stub.Configure(configure_request(settings))

    @staticmethod
    def _request_resource(resource: InboxResource) -> dict[str, Any]:
        return {
            "type": resource.type,
            "properties": struct(resource.inputs),
            "urn": resource.urn,
            "name": resource.name,
        }

    def analyze(self, resource: InboxResource) -> list[Any]:
        request = analyzer_pb2.AnalyzeRequest(**self._request_resource(resource))
        return list(self.stub.Analyze(request).diagnostics)

    def analyze_stack(self, resources: Sequence[InboxResource]) -> list[Any]:
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(**self._request_resource(resource))
                for resource in resources
            ]
        )
        return list(self.stub.AnalyzeStack(request).diagnostics)

    def report(
        self, resources: Sequence[InboxResource], settings: Mapping[str, ResolvedPolicy]
    ) -> list[Reported]:
        """Configure, Analyze each resource, AnalyzeStack: what the engine would show."""
        self.configure(settings)
        found: list[Reported] = []
        for resource in resources:
            found.extend(_reported(item, resource.urn) for item in self.analyze(resource))
        found.extend(_reported(item, item.urn) for item in self.analyze_stack(resources))
        return found

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.communicate()


def _reported(diagnostic: Any, resource_urn: str) -> Reported:
    # The message is the policy's description, a newline, then what the rule reported.
    description, _, text = diagnostic.message.partition("\n")
    assert description == diagnostic.description
    return Reported(
        diagnostic.policyName,
        LEVEL_NAMES_BY_WIRE[diagnostic.enforcementLevel],
        diagnostic.urn or resource_urn,
        text,
    )

"""``inbox-content``: what a careful team wants of every message, beyond what the server checks.

A title that says something and fits, a sender name, a body of reasonable size, no credential
pasted into the text, and no send to a broadcast group (such as ``Everyone``) unless allowed.
"""

from __future__ import annotations

import functools
import re
from typing import Self

from pydantic import Field, model_validator

from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.messages import text_at
from gotham_inbox.policy.resources import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.settings import PolicyConfig
from gotham_inbox.policy.violation import Finding, message_finding

NAME = "inbox-content"
DEFAULT_LEVEL = EnforcementLevel.ADVISORY
DESCRIPTION = (
    "Messages should have a non-empty title and sender name within the length limits, a body "
    "within the size limit, no credential or token in their text, and no broadcast group as a "
    "recipient unless allowBroadcast is set. Edit the message as each finding says, or adjust "
    "this policy's limits."
)


class SecretPattern(PolicyConfig):
    """A regular expression that matches text that looks like a credential."""

    name: str = Field(min_length=1, description="A short name, shown in findings.")
    pattern: str = Field(min_length=1, description="A Python regular expression.")

    @model_validator(mode="after")
    def _compiles(self) -> Self:
        try:
            re.compile(self.pattern)
        except re.error as error:
            raise ValueError(
                f"pattern '{self.name}' is not a valid regular expression: {error}"
            ) from None
        return self


DEFAULT_SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    ("private-key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    ("aws-access-key-id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("github-token", r"\bgh[pousr]_[A-Za-z0-9]{36,}"),
    ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ("bearer-token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{20,}"),
    (
        "credential-assignment",
        r"(?i)\b(?:password|passwd|secret|token|api[_-]?key|client[_-]?secret)"
        r"\s*[:=]\s*['\"]?[^\s'\"]{8,}",
    ),
)


class ContentConfig(PolicyConfig):
    """Properties of ``inbox-content``."""

    max_title_length: int = Field(
        default=200, ge=1, description="The longest title, in characters."
    )
    max_sender_length: int = Field(
        default=100, ge=1, description="The longest sender display name, in characters."
    )
    max_body_bytes: int = Field(
        default=65536, ge=1, description="The largest body, in bytes of UTF-8."
    )
    broadcast_groups: list[str] = Field(
        default=["Everyone"],
        description="Groups that reach (nearly) everyone; sending to them needs allowBroadcast.",
    )
    allow_broadcast: bool = Field(
        default=False, description="Allow messages to the broadcastGroups."
    )
    secret_patterns: list[SecretPattern] = Field(
        default=[
            SecretPattern(name=name, pattern=pattern) for name, pattern in DEFAULT_SECRET_PATTERNS
        ],
        description="Patterns of text that looks like a credential, searched in the title, "
        "sender and body. Replaces the built-in list.",
    )

    @functools.cached_property
    def compiled_secret_patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """``(name, compiled pattern)`` of every secret pattern, compiled once per config."""
        # Every text of every message is searched with each pattern: compiling once keeps the
        # regex cache lookups out of that loop.
        return tuple((item.name, re.compile(item.pattern)) for item in self.secret_patterns)


def _leaks(text: str, config: ContentConfig) -> list[str]:
    return [name for name, regex in config.compiled_secret_patterns if regex.search(text)]


def _text_findings(ref: MessageRef, config: ContentConfig) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    title = text_at(ref.data, "title", "value")
    if title is not None:
        if not title.strip():
            problems.append(
                ("title.value", "the title is empty; write a title that says what happened")
            )
        elif len(title) > config.max_title_length:
            problems.append(
                (
                    "title.value",
                    f"the title is {len(title)} characters, more than maxTitleLength "
                    f"{config.max_title_length}; shorten it and put the detail in the body",
                )
            )
    sender = text_at(ref.data, "sender", "displayName")
    if sender is not None:
        if not sender.strip():
            problems.append(
                ("sender.displayName", "the sender display name is empty; name the sender")
            )
        elif len(sender) > config.max_sender_length:
            problems.append(
                (
                    "sender.displayName",
                    f"the sender display name is {len(sender)} characters, more than "
                    f"maxSenderLength {config.max_sender_length}; shorten it",
                )
            )
    body = text_at(ref.data, "body", "value")
    if body is not None and len(body.encode("utf-8")) > config.max_body_bytes:
        problems.append(
            (
                "body.value",
                f"the body is {len(body.encode('utf-8'))} bytes, more than maxBodyBytes "
                f"{config.max_body_bytes}; shorten it or link to the details",
            )
        )
    for field, text in (
        ("title.value", title),
        ("sender.displayName", sender),
        ("body.value", body),
    ):
        if text is None:
            continue
        leaks = _leaks(text, config)
        if leaks:
            # Never quote the text: the finding would leak what it warns about.
            problems.append(
                (
                    field,
                    f"looks like it contains a credential (matches {', '.join(leaks)}); remove "
                    "it, and rotate the credential if it was real",
                )
            )
    return problems


def check_message_ref(
    resource: InboxResource, ref: MessageRef, config: ContentConfig, context: StackContext
) -> list[Finding]:
    """Content problems of one message."""
    findings = [
        message_finding(resource, ref, field, message)
        for field, message in _text_findings(ref, config)
    ]
    if not config.allow_broadcast:
        broadcast = set(config.broadcast_groups)
        findings.extend(
            message_finding(
                resource,
                ref,
                f"{recipient.field}.name",
                f"'{recipient.name}' is a broadcast group; send to the teams that need the "
                "message, or set allowBroadcast in this policy's config",
            )
            for recipient in ref.recipients
            if recipient.name in broadcast
        )
    return findings


def check_resource(
    resource: InboxResource, config: ContentConfig, context: StackContext
) -> list[Finding]:
    """Content problems of every message of the resource."""
    return [
        finding
        for ref in resource.message_refs()
        for finding in check_message_ref(resource, ref, config, context)
    ]

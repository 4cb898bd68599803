"""``inbox-content``: what a careful team wants of every message, beyond what the server checks.

A title that says something and fits, a sender name, a body of reasonable size, no credential
pasted into the text, and no send to a broadcast group (such as ``Everyone``) unless allowed.
The size limits here are the team's house style (stricter than the server's); the server's own
Inbox limits are ``inbox-message-valid``'s.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import NamedTuple, Self

from pydantic import Field, model_validator

from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.properties import PolicyProperties
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.violation import EnforcementLevel, Finding, message_finding

NAME = "inbox-content"
DEFAULT_LEVEL = EnforcementLevel.ADVISORY
DESCRIPTION = (
    "Messages should have a non-empty title and sender name within the length limits, a body "
    "within the size limit, no credential or token in their text, and no broadcast group as a "
    "recipient unless allowBroadcast is set. Edit the message as each finding says, or adjust "
    "this policy's limits."
)
DISPLAY_NAME = "Message content is sound and leaks no credential"
SEVERITY = Severity.MEDIUM
REMEDIATION_STEPS = (
    "Edit the field the finding names: a non-empty title and sender within the limits, a body"
    " under maxBodyBytes, no credential in the text (rotate it if it was real), no broadcast "
    "group unless allowBroadcast."
)
TAGS = ("security", "content")


class SecretPattern(PolicyProperties):
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


class _BuiltInPattern(NamedTuple):
    name: str
    pattern: str
    # A regular expression that finds something in every text the pattern matches: what the
    # pattern spells out, or a rare part of it. It starts with a literal character, so that in
    # the alternation of all of them the regex engine skips straight to likely starts.
    clue: str


_BUILT_IN_PATTERNS = (
    _BuiltInPattern("private-key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----", "-----BEGIN "),
    _BuiltInPattern("aws-access-key-id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", "AKIA|ASIA"),
    _BuiltInPattern("github-token", r"\bgh[pousr]_[A-Za-z0-9]{36,}", "_"),
    _BuiltInPattern("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "xox"),
    _BuiltInPattern(
        "jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", "yJ"
    ),
    # Case-insensitive "bearer": only b and B match (?i)b, in all of Unicode.
    _BuiltInPattern(
        "bearer-token", r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{20,}", "b(?i:earer)|B(?i:earer)"
    ),
    _BuiltInPattern(
        "credential-assignment",
        r"(?i)\b(?:password|passwd|secret|token|api[_-]?key|client[_-]?secret)"
        r"\s*[:=]\s*['\"]?[^\s'\"]{8,}",
        ":|=",
    ),
)

DEFAULT_SECRET_PATTERNS: tuple[tuple[str, str], ...] = tuple(
    (built_in.name, built_in.pattern) for built_in in _BUILT_IN_PATTERNS
)

_CLUES: dict[str, str] = {built_in.pattern: built_in.clue for built_in in _BUILT_IN_PATTERNS}


class SecretScan:
    """Which secret patterns a text matches: the answer of searching it with every pattern.

    Searching a text with each built-in pattern in turn costs more than the rest of the policy:
    most start with ``\\b``, which keeps the regex engine from skipping ahead to a likely start,
    so it tries every pattern at every position. When every pattern is a built-in one, a text
    is first searched once for the clues of all of them (see ``_BuiltInPattern``); a text
    without any clue matches no pattern, and only a text with one is searched with each.
    ``python -m bench --only policy`` measures what the clues save (``prefilter=False``).
    """

    def __init__(self, patterns: Sequence[SecretPattern], *, prefilter: bool = True) -> None:
        self.patterns: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
            (item.name, re.compile(item.pattern)) for item in patterns
        )
        self._clues: re.Pattern[str] | None = None
        if prefilter and patterns and all(item.pattern in _CLUES for item in patterns):
            self._clues = re.compile("|".join(_CLUES[item.pattern] for item in patterns))

    def leaks(self, text: str) -> list[str]:
        """The names of the patterns that match somewhere in ``text``, in configured order."""
        if self._clues is not None and not self._clues.search(text):
            return []
        return [name for name, regex in self.patterns if regex.search(text)]


class ContentProperties(PolicyProperties):
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
    def secret_scan(self) -> SecretScan:
        """The secret patterns, compiled once per config, and how to search a text with them."""
        return SecretScan(self.secret_patterns)

    @functools.cached_property
    def broadcast(self) -> frozenset[str]:
        """The broadcast groups, as a set (built once per config, read for every recipient)."""
        return frozenset(self.broadcast_groups)


def _utf8_length(text: str) -> int:
    # An ASCII string (which str knows without looking) is one byte per character. A lone
    # surrogate (JSON can escape one) is counted as the 3 bytes it would take, not a crash.
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def _empty_findings(ref: MessageRef) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if ref.title is not None and not ref.title.strip():
        problems.append(
            ("title.value", "the title is empty; write a title that says what happened")
        )
    if ref.sender is not None and not ref.sender.strip():
        problems.append(("sender.displayName", "the sender display name is empty; name the sender"))
    return problems


_PAST_LIMIT = {
    "title.value": "the title is {size} characters, more than maxTitleLength {limit}; shorten it "
    "and put the detail in the body",
    "sender.displayName": "the sender display name is {size} characters, more than "
    "maxSenderLength {limit}; shorten it",
    "body.value": "the body is {size} bytes, more than maxBodyBytes {limit}; shorten it or link "
    "to the details",
}
"""What is wrong with a text past its limit, by field (the body is measured in UTF-8 bytes)."""


def _limit_findings(ref: MessageRef, config: ContentProperties) -> list[tuple[str, str]]:
    limits = (
        ("title.value", ref.title, len, config.max_title_length),
        ("sender.displayName", ref.sender, len, config.max_sender_length),
        ("body.value", ref.body, _utf8_length, config.max_body_bytes),
    )
    problems: list[tuple[str, str]] = []
    for field, text, size_of, limit in limits:
        size = 0 if text is None else size_of(text)
        if size > limit:
            problems.append((field, _PAST_LIMIT[field].format(size=size, limit=limit)))
    return problems


def _leak_findings(ref: MessageRef, scan: SecretScan) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for field, text in (
        ("title.value", ref.title),
        ("sender.displayName", ref.sender),
        ("body.value", ref.body),
    ):
        if text is None:
            continue
        leaks = scan.leaks(text)
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


def check_message(
    resource: InboxResource, ref: MessageRef, config: ContentProperties, context: StackContext
) -> list[Finding]:
    """Content problems of one message."""
    problems = _empty_findings(ref) + _limit_findings(ref, config)
    problems += _leak_findings(ref, config.secret_scan)
    findings = [message_finding(resource, ref, field, message) for field, message in problems]
    if not config.allow_broadcast:
        broadcast = config.broadcast
        for recipient in ref.recipients:
            if recipient.name in broadcast:
                findings.append(
                    message_finding(
                        resource,
                        ref,
                        f"{recipient.field}.name",
                        f"'{recipient.name}' is a broadcast group; send to the teams that need "
                        "the message, or set allowBroadcast in this policy's config",
                    )
                )
    return findings


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=ContentProperties,
    check_message=check_message,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""

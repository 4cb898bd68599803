"""What a deploy did, gathered from the engine's events: changes, failures, policy, duration.

The same :class:`SummaryBuilder` takes the engine events of ``pulumi up --json``, of
``pulumi up --event-log FILE`` (JSON lines), the digest ``pulumi preview --json`` prints, and the
Automation API's typed events (:mod:`gotham_inbox.announce.automation`). Everything it keeps is
bounded (a number of items, a length per text), whatever the input: the summary goes into one
inbox message, and a stack of 10,000 failing resources must not make it unsendable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from gotham_inbox.documents import DocumentError, read_bounded
from gotham_inbox.errors import UserError

MAX_SUMMARY_BYTES = 64 * 1024 * 1024
"""The largest summary file or event log read (a stack's whole event log fits many times)."""
MAX_DOCUMENTS = 1_000_000
"""The most JSON documents (events) read from one file."""
MAX_ITEMS = 20
"""The most failing resources, errors or policy violations kept of each kind."""
MAX_TEXT = 500
"""The longest error or violation text kept (characters); the rest is cut with an ellipsis."""
MAX_COUNT = 10**9
"""The largest change count taken; a larger one is no engine's and is left out."""
MAX_DURATION_SECONDS = 10**7
"""The longest duration taken (about 116 days); a longer one is no deploy's and is left out
(an arbitrary JSON number would overflow the arithmetic on it)."""

_MARKUP = re.compile(r"<\{%[a-z#]*%\}>|\x1b\[[0-9;]*[A-Za-z]")
"""Pulumi's colour tags (``<{%reset%}>``) and ANSI escapes, which engine messages carry."""


_SURROGATE = re.compile("[\ud800-\udfff]")

_TRACEBACK = "Traceback (most recent call last):"


class SummaryError(UserError, ValueError):
    """A summary file that cannot be read; the text names the file and the document."""


def _valid(text: str) -> str:
    # JSON may escape a lone surrogate (\\ud800), which no UTF-8 text can hold: it becomes
    # U+FFFD, so that the message can be judged, printed and sent.
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def plain_text(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` without colour markup, trimmed, at most ``limit`` characters.

    A Python traceback (what a dynamic provider's failed create, or a program that raised,
    reports) is shortened to the text before it and its last unindented line, the exception:
    the frames say little to the reader.
    """
    cleaned = _MARKUP.sub("", _valid(text)).strip()
    head, traceback, frames = cleaned.partition(_TRACEBACK)
    exception = [line for line in frames.splitlines() if line and not line[0].isspace()]
    if traceback and exception:
        cleaned = f"{' '.join(head.split())} {exception[-1].strip()}".strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def resource_name(urn: str) -> str:
    """The resource's name: the last part of its URN."""
    return urn.rsplit("::", 1)[-1]


@dataclass
class FailedResource:
    """A resource whose operation failed, and the errors the engine reported for it."""

    urn: str
    type: str | None = None
    op: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The resource's name."""
        return resource_name(self.urn)


@dataclass(frozen=True)
class PolicyViolation:
    """A policy violation the engine reported."""

    policy: str
    level: str
    urn: str | None
    text: str


@dataclass
class DeploySummary:
    """What the deploy did, as far as the events told. Empty when nothing was given."""

    changes: dict[str, int] = field(default_factory=dict)
    failed: list[FailedResource] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policy: list[PolicyViolation] = field(default_factory=list)
    duration_seconds: float | None = None
    left_out: int = 0
    """Failures, errors and violations over :data:`MAX_ITEMS` that are not listed."""

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON (``announce --format json``)."""
        return {
            "changes": dict(self.changes),
            "failedResources": [
                {"urn": item.urn, "type": item.type, "op": item.op, "errors": list(item.errors)}
                for item in self.failed
            ],
            "errors": list(self.errors),
            "policyViolations": [
                {"policy": v.policy, "level": v.level, "urn": v.urn, "message": v.text}
                for v in self.policy
            ],
            "durationSeconds": self.duration_seconds,
            "leftOut": self.left_out,
        }


def _count(value: Any, largest: int = MAX_COUNT) -> int | None:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return value if whole and 0 <= value <= largest else None


@overload
def _bounded(value: str) -> str: ...
@overload
def _bounded(value: None) -> None: ...
def _bounded(value: str | None) -> str | None:
    # URNs, types and operations come from the input too: long ones are cut, never refused.
    return _valid(value[:MAX_TEXT]) if value is not None else None


def _unchanged(text: str) -> str:
    return text


class SummaryBuilder:
    """Collects a :class:`DeploySummary` from engine events, within the bounds.

    ``redact`` (the provider's :meth:`~gotham_inbox.providers.settings.ProviderSettings.redact`)
    is applied to every text before it is cut to :data:`MAX_TEXT`: a credential an engine error
    quotes must not survive in part because the cut fell inside it.
    """

    def __init__(self, redact: Callable[[str], str] = _unchanged) -> None:
        self._redact = redact
        self.summary = DeploySummary()
        self._failed: dict[str, FailedResource] = {}
        self._resource_errors: dict[str, list[str]] = {}
        self._untracked: set[int] = set()
        """Hashes of the URNs whose errors were past the bound: counted in ``left_out`` once."""

    # -- typed additions, shared by every front end ------------------------------------------

    def resource_failed(self, urn: str, type_: str | None, op: str | None) -> None:
        """A resource operation failed (``resOpFailedEvent``)."""
        urn, type_, op = _bounded(urn), _bounded(type_), _bounded(op)
        if urn in self._failed or hash(urn) in self._untracked:
            return
        if len(self._failed) >= MAX_ITEMS:
            self.summary.left_out += 1
            self._resource_errors.pop(urn, None)  # counted once, not again by finish()
            return
        failed = FailedResource(urn, type_, op, self._resource_errors.setdefault(urn, []))
        self._failed[urn] = failed
        self.summary.failed.append(failed)

    def diagnostic(self, severity: str, message: str, urn: str | None) -> None:
        """A diagnostic (``diagnosticEvent``); only errors are kept."""
        if severity != "error":
            return
        text = plain_text(self._redact(message))
        if not text:
            return
        if urn:
            urn = _bounded(urn)
            errors = self._resource_errors.get(urn)
            if errors is None:
                if len(self._resource_errors) >= MAX_ITEMS * 4:
                    # Bounded: the errors of that many resources are plenty. The resource is
                    # counted as not listed, once (a hash each: the input bounds their number).
                    if hash(urn) not in self._untracked and urn not in self._failed:
                        self._untracked.add(hash(urn))
                        self.summary.left_out += 1
                    return
                errors = self._resource_errors[urn] = []
            if len(errors) < 3 and text not in errors:
                errors.append(text)
            return
        if text in self.summary.errors:
            return
        if len(self.summary.errors) >= MAX_ITEMS:
            self.summary.left_out += 1
            return
        self.summary.errors.append(text)

    def policy_violation(self, policy: str, level: str, urn: str | None, message: str) -> None:
        """A policy violation (``policyEvent``): its text is what follows the description."""
        _, newline, rest = message.partition("\n")
        text = plain_text(self._redact(rest if newline and rest.strip() else message))
        if len(self.summary.policy) >= MAX_ITEMS:
            self.summary.left_out += 1
            return
        name = plain_text(self._redact(policy), 100)
        self.summary.policy.append(
            PolicyViolation(name, plain_text(level, 40), _bounded(urn), text)
        )

    def totals(self, changes: Mapping[str, Any], duration_seconds: float | None) -> None:
        """The engine's summary: changes by operation and how long it ran."""
        for op, count in list(changes.items())[:MAX_ITEMS]:
            number = _count(count)
            if isinstance(op, str) and number is not None:
                self.summary.changes[plain_text(op, 40)] = number
        if duration_seconds is not None:
            self.summary.duration_seconds = duration_seconds

    def finish(self) -> DeploySummary:
        """The summary; a resource that reported errors but no failed operation is listed too
        (a preview's digest names failures by their diagnostics only)."""
        for urn in list(self._resource_errors):
            if urn not in self._failed:
                self.resource_failed(urn, None, None)
        return self.summary

    # -- the engine's JSON ------------------------------------------------------------------

    def add_document(self, document: Mapping[str, Any]) -> None:
        """One JSON document: an engine event, or a preview digest (``steps``...)."""
        if "steps" in document or "changeSummary" in document:
            self._add_digest(document)
            return
        for kind, body in document.items():
            if isinstance(body, Mapping):
                self._add_event(kind, body)

    def _add_event(self, kind: str, body: Mapping[str, Any]) -> None:
        if kind == "resOpFailedEvent":
            metadata = body.get("metadata")
            if isinstance(metadata, Mapping) and isinstance(metadata.get("urn"), str):
                self.resource_failed(
                    metadata["urn"], _text(metadata.get("type")), _text(metadata.get("op"))
                )
        elif kind == "diagnosticEvent":
            self.diagnostic(
                _text(body.get("severity")) or "",
                _text(body.get("message")) or "",
                _text(body.get("urn")),
            )
        elif kind == "policyEvent":
            self.policy_violation(
                _text(body.get("policyName")) or "?",
                _text(body.get("enforcementLevel")) or "?",
                _text(body.get("resourceUrn")),
                _text(body.get("message")) or "",
            )
        elif kind == "summaryEvent":
            changes = body.get("resourceChanges")
            duration = _count(body.get("durationSeconds"), MAX_DURATION_SECONDS)
            self.totals(
                changes if isinstance(changes, Mapping) else {},
                float(duration) if duration is not None else None,
            )

    def _add_digest(self, digest: Mapping[str, Any]) -> None:
        changes = digest.get("changeSummary")
        # A Go duration: nanoseconds.
        duration = _count(digest.get("duration"), MAX_DURATION_SECONDS * 10**9)
        self.totals(
            changes if isinstance(changes, Mapping) else {},
            duration / 1e9 if duration is not None else None,
        )
        diagnostics = digest.get("diagnostics")
        if isinstance(diagnostics, list):
            for item in diagnostics[: MAX_ITEMS * 10]:
                if isinstance(item, Mapping):
                    self._add_event("diagnosticEvent", item)


def _text(value: Any) -> str | None:
    return _valid(value) if isinstance(value, str) else None


NOTHING_WRITTEN = "the engine wrote nothing: the deploy stopped before it started"
CUT_SHORT = "the engine's output ends in the middle of an event: the deploy was stopped"


def _documents(text: str, source: Path, builder: SummaryBuilder) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    position, number = 0, 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        number += 1
        if number > MAX_DOCUMENTS:
            raise SummaryError(f"{source} holds more than {MAX_DOCUMENTS} JSON documents")
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            if number > 1 and "\n" not in text[position:].rstrip():
                # A killed engine leaves its last line unfinished; the lines before it are
                # whole. Garbage from the start is not a cut: it is refused below.
                builder.diagnostic("error", CUT_SHORT, None)
                return
            raise SummaryError(
                f"{source}: document {number} is not JSON ({error.msg} at line {error.lineno}, "
                f"column {error.colno}); give what `pulumi up --json`, `pulumi preview --json` or "
                "`--event-log` wrote"
            ) from None
        except RecursionError:
            raise SummaryError(f"{source}: document {number} is nested too deeply") from None
        except ValueError:
            # Python refuses integers of more than 4,300 digits (int_max_str_digits): no
            # engine writes one.
            raise SummaryError(
                f"{source}: document {number} holds a number thousands of digits long; no "
                "engine writes one: give what `pulumi up --json` or `--event-log` wrote"
            ) from None
        yield number, document


def read_event_log(path: Path, redact: Callable[[str], str] = _unchanged) -> DeploySummary:
    """The summary in an event log (``pulumi up --event-log FILE``): as :func:`read_summary`,
    and a missing file is what a deploy that failed before the engine started leaves (the
    summary says so, :data:`NOTHING_WRITTEN`, instead of refusing it)."""
    if not path.exists() and not path.is_symlink():
        builder = SummaryBuilder(redact)
        builder.diagnostic("error", NOTHING_WRITTEN, None)
        return builder.finish()
    return read_summary(path, redact)


def read_summary(path: Path, redact: Callable[[str], str] = _unchanged) -> DeploySummary:
    """The summary in ``path``: ``pulumi up --json`` / ``pulumi preview --json`` output or an
    event log (JSON lines), read within :data:`MAX_SUMMARY_BYTES`.

    What a deploy that stopped early leaves is read for what it says, so its failure is still
    announced: an empty file (:data:`NOTHING_WRITTEN`), or a last line cut short by a killed
    engine after whole ones (:data:`CUT_SHORT`).

    Raises:
        SummaryError: the file is missing, too large, not UTF-8, or not JSON documents.
    """
    try:
        text = read_bounded(path, max_bytes=MAX_SUMMARY_BYTES)
    except DocumentError as error:
        raise SummaryError(str(error)) from None
    builder = SummaryBuilder(redact)
    if not text.strip():
        builder.diagnostic("error", NOTHING_WRITTEN, None)
    for number, document in _documents(text, path, builder):
        if not isinstance(document, dict):
            raise SummaryError(
                f"{path}: document {number} is a JSON {type(document).__name__}, not an engine "
                "event or a preview digest (an object)"
            )
        builder.add_document(document)
    return builder.finish()

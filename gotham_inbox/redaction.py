"""Keeping every credential the process has held out of every text that leaves it.

Two defences. At the door, :func:`refuse_unsafe_secret` refuses a value that cannot travel
safely (a control character in a token would end up in a header, and httpx then echoes the
whole header, token included, in its exception text). At the exit, :func:`redact` replaces every
held credential, in each spelling an exception may show it (as is, repr-escaped, bytes-escaped,
URL-encoded, line by line), whole or as a fragment a cut left (its first or last 8 or more
characters), with ``***``.

Which credentials: one process-wide register, :data:`HELD_SECRETS`, that the authentications
feed as they are built and as the token endpoint issues access tokens (every earlier one stays
after a refresh), plus the ``GOTHAM_TOKEN`` and ``GOTHAM_CLIENT_SECRET`` variables as they are
when a text is redacted, plus whatever a caller passes. Process-wide, not per client, because
texts leave through paths that hold no client (the doctor's report, the provider's error for a
failure before its client exists, log records), and a credential one client held (a refreshed
token, the doctor's second client) stays a secret after that client is gone. docs/security.md
states the rules.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from gotham_inbox.errors import ConfigurationError

MIN_REDACTED_LENGTH = 6
"""Values shorter than this are not real credentials, and replacing them would garble the text
(a token ``t`` would mangle every word with a t in it)."""

MIN_FRAGMENT_LENGTH = 8
"""A piece of a secret this long, at its start or its end, is redacted wherever it appears: what
a cut leaves of a secret (the head of a text cut after it starts, the tail of a text cut before
it ends). Shorter pieces are left: a few characters of a random credential tell nothing, and
redacting every 4-letter match would garble ordinary words."""

REDACTED = "***"

CREDENTIAL_VARIABLES = ("GOTHAM_TOKEN", "GOTHAM_CLIENT_SECRET")
"""The environment variables that hold credentials; their values are always redacted."""

MAX_HELD_SECRETS = 4096
"""The register keeps this many credentials, dropping the oldest first: a process that had this
many access tokens issued has long seen the first ones expire."""


def _unsafe_position(value: str, *, header: bool) -> int | None:
    for position, char in enumerate(value):
        if unicodedata.category(char) in {"Cc", "Cs", "Cf", "Zl", "Zp"}:
            return position
        # A bearer token travels in an HTTP header: visible ASCII only (RFC 6750 token68).
        if header and not ("\x21" <= char <= "\x7e"):
            return position
    return None


def refuse_unsafe_secret(value: str, what: str, how_to_set: str, *, header: bool = False) -> None:
    """Raise :class:`ConfigurationError` if ``value`` cannot be sent safely.

    ``header`` values (bearer tokens) must be visible ASCII; others (form fields) must merely
    hold no control, format or surrogate characters. The error names the setting and the
    position of the first bad character, never the value.
    """
    position = _unsafe_position(value, header=header)
    if position is None:
        return
    kind = (
        "a character that cannot go in an HTTP header (only visible ASCII can)"
        if header and unicodedata.category(value[position]) not in {"Cc", "Cs", "Cf"}
        else "a control character (a line break, NUL, ...)"
    )
    raise ConfigurationError(
        f"{what} contains {kind} at position {position}; the value is not shown. A token or "
        f"secret copied from a wrapped file often carries one: set it again with {how_to_set}"
    )


@functools.lru_cache(maxsize=MAX_HELD_SECRETS)
def secret_spellings(secret: str) -> frozenset[str]:
    """Every way an exception text may spell ``secret``, long enough to be redacted."""
    spellings = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        quote_plus(secret, safe=""),
        quote(secret, safe=""),
    }
    # A header or form value cut at a control character still shows its pieces.
    for separator in ("\r\n", "\n", "\r", "\x00"):
        for piece in secret.split(separator):
            spellings.add(piece)
    return frozenset(spelling for spelling in spellings if len(spelling) >= MIN_REDACTED_LENGTH)


class HeldSecrets:
    """The credentials this process has held: configured, and issued by a token endpoint.

    Thread-safe (the provider host serves creates on several threads) and bounded by
    :data:`MAX_HELD_SECRETS`. Holding a value again moves it to the newest end.
    """

    def __init__(self, limit: int = MAX_HELD_SECRETS) -> None:
        self._limit = limit
        self._values: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HeldSecrets({len(self._values)} held)"

    def hold(self, *values: str | None) -> None:
        """Remember each value as a secret for the rest of the process."""
        with self._lock:
            for value in values:
                if not value:
                    continue
                self._values[value] = None
                self._values.move_to_end(value)
                while len(self._values) > self._limit:
                    self._values.popitem(last=False)

    def values(self) -> tuple[str, ...]:
        """Every value held, oldest first."""
        with self._lock:
            return tuple(self._values)


HELD_SECRETS = HeldSecrets()
"""The process-wide register :func:`redact` always uses."""


def hold_secret(*values: str | None) -> None:
    """Add credentials to :data:`HELD_SECRETS` (the authentications call this)."""
    HELD_SECRETS.hold(*values)


@dataclass(frozen=True)
class _Spellings:
    """Every spelling of a set of secrets, indexed by its first and last 8 characters."""

    heads: dict[str, tuple[str, ...]]
    tails: dict[str, tuple[str, ...]]
    short: tuple[str, ...]
    """Spellings shorter than :data:`MIN_FRAGMENT_LENGTH`: only whole ones are redacted."""


@functools.lru_cache(maxsize=16)
def _spellings_of(secrets: frozenset[str]) -> _Spellings:
    heads: dict[str, list[str]] = {}
    tails: dict[str, list[str]] = {}
    short: set[str] = set()
    for secret in secrets:
        for spelling in secret_spellings(secret):
            if len(spelling) < MIN_FRAGMENT_LENGTH:
                short.add(spelling)
                continue
            heads.setdefault(spelling[:MIN_FRAGMENT_LENGTH], []).append(spelling)
            tails.setdefault(spelling[-MIN_FRAGMENT_LENGTH:], []).append(spelling)
    return _Spellings(
        {gram: tuple(group) for gram, group in heads.items()},
        {gram: tuple(group) for gram, group in tails.items()},
        tuple(short),
    )


def _secret_spans(text: str, spellings: _Spellings) -> list[tuple[int, int]]:
    """Where a spelling appears in ``text``, whole or as a head or tail of 8+ characters.

    One pass over the text's 8-character windows, whatever the number of secrets held: a
    window that starts a spelling is extended forward as far as the text goes on spelling it,
    one that ends a spelling backward as far as the text spelled it before.
    """
    spans: list[tuple[int, int]] = []
    for short in spellings.short:
        start = text.find(short)
        while start != -1:
            spans.append((start, start + len(short)))
            start = text.find(short, start + 1)
    size = MIN_FRAGMENT_LENGTH
    for start in range(len(text) - size + 1):
        window = text[start : start + size]
        for spelling in spellings.heads.get(window, ()):
            end = start + size
            while end < len(text) and end - start < len(spelling):
                if text[end] != spelling[end - start]:
                    break
                end += 1
            spans.append((start, end))
        for spelling in spellings.tails.get(window, ()):
            begin, end = start, start + size
            while begin > 0 and end - begin < len(spelling):
                if text[begin - 1] != spelling[-(end - begin) - 1]:
                    break
                begin -= 1
            spans.append((begin, end))
    return spans


def held_and_given(secrets: Iterable[str | None] = ()) -> frozenset[str]:
    """The secrets :func:`redact` removes: ``secrets``, every held one, the variables' values."""
    values = {secret for secret in secrets if secret}
    values.update(HELD_SECRETS.values())
    values.update(os.environ.get(name) or "" for name in CREDENTIAL_VARIABLES)
    values.discard("")
    return frozenset(values)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every spelling of every secret, whole or a cut's head or tail, as ``***``.

    The secrets are ``secrets`` plus every credential the process holds
    (:func:`held_and_given`). Redact a text BEFORE cutting it: a cut can leave less of a
    secret than :data:`MIN_FRAGMENT_LENGTH`, and cutting a redacted text shows none.
    """
    if not text:
        return text
    spans = _secret_spans(text, _spellings_of(held_and_given(secrets)))
    if not spans:
        return text
    pieces: list[str] = []
    position = 0
    for start, end in _merged(spans):
        pieces.append(text[position:start])
        pieces.append(REDACTED)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every held credential from a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def redacting_logger(name: str) -> logging.Logger:
    """The logger ``name``, which never writes a held credential (:class:`RedactingFilter`)."""
    logger = logging.getLogger(name)
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger

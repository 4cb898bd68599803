"""Keeping every credential the process has held out of every text that leaves it.

Two defences. At the door, :func:`refuse_unsafe_secret` refuses a value that cannot travel
safely (a control character in a token would end up in a header, and httpx then echoes the
whole header, token included, in its exception text). At the exit, :func:`redact` replaces every
held credential, in each spelling an error text may show it (as is, repr-, bytes-, JSON- or
HTML-escaped, URL-encoded, base64, line by line), whole or any run of 8 or more of its
characters (what a cut, a wrapped echo or an echo of the middle leaves), with ``***``.

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

import base64
import functools
import html
import json
import logging
import os
import re
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
"""Any run of this many consecutive characters of a secret's spelling is redacted wherever it
appears: what a cut leaves (a head or a tail), a line of a wrapped echo, an echo of the middle.
Shorter runs are left: a few characters of a random credential tell nothing, and redacting
every 4-letter match would garble ordinary words."""

REDACTED = "***"

CREDENTIAL_VARIABLES = ("GOTHAM_TOKEN", "GOTHAM_CLIENT_SECRET", "GOTHAM_SOURCE_ID_SALT")
"""The environment variables that hold credentials; their values are always redacted."""

MAX_HELD_SECRETS = 4096
"""The register keeps this many credentials, dropping the oldest first: a process that had this
many access tokens issued has long seen the first ones expire."""

MAX_INDEXED_WINDOWS = 1 << 17
"""How many distinct 8-character windows of secrets :func:`redact` indexes (about 12 MB; the
last few indexes are cached). The newest secrets are indexed in full, window by window; the
spellings past the budget (old access tokens, or a configured value of megabytes) only by their
first and last windows, so a fragment of one is redacted when it starts or ends it."""


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


def _lower_hex(encoded: str) -> str:
    """``encoded`` with its percent-escapes in lower-case hex (``%2f``), as some servers print."""
    return re.sub(r"%[0-9A-F]{2}", lambda escape: escape.group().lower(), encoded)


def _base64_spellings(secret: str) -> set[str]:
    """The secret base64-encoded, standard and URL-safe, padded and not, at each alignment.

    A server may encode more than the secret (``Bearer <token>``, ``user:secret``): the
    secret's bytes then start 0, 1 or 2 bytes into a 3-byte group, and each alignment spells
    them differently. The characters that also encode a byte before or after the secret are
    dropped, so the rest matches whatever surrounded it.
    """
    raw = secret.encode("utf-8", "surrogatepass")
    spellings: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode("ascii")
        spellings.update({whole, whole.rstrip("=")})
        for before in (1, 2):
            shifted = encode(bytes(before) + raw).decode("ascii").rstrip("=")
            # Characters up to bit 8*before touch the filler; those past the secret's last
            # full 6 bits would change with whatever followed it.
            first = (8 * before + 5) // 6
            last = (8 * (before + len(raw))) // 6
            spellings.add(shifted[first:last])
    return spellings


@functools.lru_cache(maxsize=MAX_HELD_SECRETS)
def secret_spellings(secret: str) -> frozenset[str]:
    """Every way an error text may spell ``secret``, long enough to be redacted."""
    spellings = {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret, quote=True),
    }
    for encoded in (quote_plus(secret, safe=""), quote(secret, safe="")):
        spellings.update({encoded, _lower_hex(encoded)})
    spellings.update(_base64_spellings(secret))
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
class _Index:
    """Every spelling of a set of secrets, indexed for one pass over a text."""

    windows: frozenset[str]
    """Every 8-character window of every spelling indexed in full."""
    heads: dict[str, tuple[str, ...]]
    """Spellings past :data:`MAX_INDEXED_WINDOWS`, by their first 8 characters."""
    tails: dict[str, tuple[str, ...]]
    """Spellings past :data:`MAX_INDEXED_WINDOWS`, by their last 8 characters."""
    short: tuple[str, ...]
    """Spellings shorter than :data:`MIN_FRAGMENT_LENGTH`: only whole ones are redacted."""


@functools.lru_cache(maxsize=4)
def _index_of(secrets: tuple[str, ...]) -> _Index:
    """The index of ``secrets``, the first ones (the newest) in full while the budget lasts."""
    size = MIN_FRAGMENT_LENGTH
    windows: set[str] = set()
    heads: dict[str, list[str]] = {}
    tails: dict[str, list[str]] = {}
    short: set[str] = set()
    for secret in secrets:
        for spelling in secret_spellings(secret):
            if len(spelling) < size:
                short.add(spelling)
            elif len(windows) + len(spelling) - size < MAX_INDEXED_WINDOWS:
                windows.update(spelling[at : at + size] for at in range(len(spelling) - size + 1))
            else:
                heads.setdefault(spelling[:size], []).append(spelling)
                tails.setdefault(spelling[-size:], []).append(spelling)
    return _Index(
        frozenset(windows),
        {gram: tuple(group) for gram, group in heads.items()},
        {gram: tuple(group) for gram, group in tails.items()},
        tuple(short),
    )


def _secret_spans(text: str, index: _Index) -> list[tuple[int, int]]:
    """Where ``text`` spells 8 or more consecutive characters of a spelling, or a whole one.

    One pass over the text's 8-character windows, whatever the number of secrets held. A run
    the text shares with a spelling is a chain of windows of that spelling, each in the index,
    so marking every indexed window and merging the overlapping ones covers exactly the runs
    (the greedy extension of each match, without redoing it at every window). Spellings past
    the budget are matched as before it: a head extended forward, a tail backward.
    """
    size = MIN_FRAGMENT_LENGTH
    spans: list[tuple[int, int]] = []
    for short in index.short:
        start = text.find(short)
        while start != -1:
            spans.append((start, start + len(short)))
            start = text.find(short, start + 1)
    windows, heads, tails = index.windows, index.heads, index.tails
    for start in range(len(text) - size + 1):
        window = text[start : start + size]
        if window in windows:
            if spans and spans[-1][0] <= start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], start + size))
            else:
                spans.append((start, start + size))
        if heads and window in heads:
            spans.extend(_forward(text, start, spelling) for spelling in heads[window])
        if tails and window in tails:
            spans.extend(_backward(text, start + size, spelling) for spelling in tails[window])
    return spans


def _forward(text: str, start: int, spelling: str) -> tuple[int, int]:
    end = start + MIN_FRAGMENT_LENGTH
    while end < len(text) and end - start < len(spelling) and text[end] == spelling[end - start]:
        end += 1
    return start, end


def _backward(text: str, end: int, spelling: str) -> tuple[int, int]:
    begin = end - MIN_FRAGMENT_LENGTH
    while (
        begin > 0 and end - begin < len(spelling) and text[begin - 1] == spelling[begin - end - 1]
    ):
        begin -= 1
    return begin, end


def held_and_given(secrets: Iterable[str | None] = ()) -> tuple[str, ...]:
    """The secrets :func:`redact` removes, newest first: ``secrets``, the variables' values,
    then every held one."""
    values = [secret for secret in secrets if secret]
    values.extend(os.environ.get(name) or "" for name in CREDENTIAL_VARIABLES)
    values.extend(reversed(HELD_SECRETS.values()))
    return tuple(dict.fromkeys(value for value in values if value))


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every run of 8 or more characters of a secret's spelling as ``***``.

    The secrets are ``secrets`` plus every credential the process holds
    (:func:`held_and_given`); a spelling shorter than 8 characters is redacted only whole.
    Redact a text BEFORE cutting it: a cut can leave less of a secret than
    :data:`MIN_FRAGMENT_LENGTH`, and cutting a redacted text shows none.
    """
    if not text:
        return text
    spans = _secret_spans(text, _index_of(held_and_given(secrets)))
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

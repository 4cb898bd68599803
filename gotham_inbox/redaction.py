"""Keeping configured secrets (tokens, client secrets) out of every text that leaves us.

Two defences. At the door, :func:`refuse_unsafe_secret` refuses a value that cannot travel
safely (a control character in a token would end up in a header, and httpx then echoes the
whole header, token included, in its exception text). At the exit, :func:`redact` replaces every
configured secret, in each spelling an exception may show it (as is, repr-escaped, bytes-escaped,
URL-encoded, line by line), with ``***``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from gotham_inbox.errors import ConfigurationError

MIN_REDACTED_LENGTH = 6
"""Values shorter than this are not real credentials, and replacing them would garble the text
(a token ``t`` would mangle every word with a t in it)."""

REDACTED = "***"


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


def secret_spellings(secret: str) -> set[str]:
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
    return {spelling for spelling in spellings if len(spelling) >= MIN_REDACTED_LENGTH}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every spelling of every secret replaced by ``***``."""
    spellings: set[str] = set()
    for secret in secrets:
        if secret:
            spellings |= secret_spellings(secret)
    # Longest first, so a secret's full form is replaced before one of its pieces.
    for spelling in sorted(spellings, key=len, reverse=True):
        text = text.replace(spelling, REDACTED)
    return text

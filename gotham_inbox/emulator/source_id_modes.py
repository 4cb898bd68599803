"""How the emulator treats a caller-chosen ``sourceId``: honour it, ignore it, or refuse it.

Palantir documents that the server *assigns* every message's sourceId and answers in request
order; the request model has no ``sourceId`` (see docs/source-ids.md). A real Gotham may still
honour one (the project's idempotency assumption), ignore it (accept the message, assign its
own id) or refuse it (Conjure servers reject unknown JSON fields). The emulator plays each:

- ``honour``: a message's ``sourceId`` is its id; a second message with it is a
  ``CONFLICTING_SOURCE_ID`` failure (ASSUMED behaviour);
- ``ignore``: the field is dropped; every message gets a new server-assigned id (ASSUMED);
- ``reject``: a request in which any message has a ``sourceId`` is refused whole, 400
  ``Default:InvalidArgument`` naming ``messages[i].sourceId``; nothing is stored (the error
  name is ASSUMED from Conjure's convention).

In every mode a message without ``sourceId`` gets a server-assigned id: that is the documented
behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeAlias

from gotham_inbox.emulator.envelope import problems_error
from gotham_inbox.validation import Problem

SourceIdMode: TypeAlias = Literal["honour", "ignore", "reject"]
SOURCE_ID_MODES: tuple[SourceIdMode, ...] = ("honour", "ignore", "reject")
DEFAULT_SOURCE_ID_MODE: SourceIdMode = "honour"
"""The default: the one behaviour under which every documented answer (including
``CONFLICTING_SOURCE_ID`` failures) can occur; see docs/source-ids.md for why."""

SOURCE_ID_FIELD = "sourceId"
UNKNOWN_FIELD_ERROR = "Default:InvalidArgument"
"""The name of the 400 that refuses a request carrying ``sourceId`` (Conjure's generic
INVALID_ARGUMENT name; ASSUMED: Palantir does not document what a real Gotham answers)."""


def source_id_mode(value: str) -> SourceIdMode:
    """``value`` as a mode, or :class:`ValueError` listing the modes."""
    for mode in SOURCE_ID_MODES:
        if value == mode:
            return mode
    raise ValueError(f"unknown sourceId mode '{value}'; use one of {', '.join(SOURCE_ID_MODES)}")


def refuse_source_ids(messages: Sequence[Any]) -> None:
    """Raise the ``reject`` mode's 400 if any message carries the ``sourceId`` field."""
    problems = [
        Problem(
            index,
            SOURCE_ID_FIELD,
            "unknown field 'sourceId': this server assigns message ids itself; "
            "send the message without it",
        )
        for index, message in enumerate(messages)
        if isinstance(message, dict) and SOURCE_ID_FIELD in message
    ]
    if problems:
        raise problems_error(400, UNKNOWN_FIELD_ERROR, problems)

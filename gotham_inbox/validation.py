"""Turning bad input into problems that name the message index, the field and the fix.

The emulator, the client's pre-flight check, the provider's ``check`` and the policies all
report problems through :class:`Problem`, so a user sees the same wording everywhere.
"""

from __future__ import annotations

import reprlib
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from gotham_inbox.models import SendMessageRequest, parse_message, parse_request
from gotham_inbox.suggestions import did_you_mean


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:  # pragma: no mutate block (import)
    """The models an annotation holds: ``list[GroupRecipient]``, ``SecureTextBody | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _models_in(argument)


def _wire_fields(
    model: type[BaseModel] = SendMessageRequest, kind: str = "message"
) -> dict[str, tuple[str, ...]]:  # pragma: no mutate block (runs at import only)
    """The wire names allowed in each object of a message, keyed by the field that holds it.

    ``{"message": ("groupRecipients", ...), "groupRecipients": ("name", "realm"), ...}``: read
    from the models, so an unknown-field hint always lists what the models accept.
    """
    fields = {kind: tuple(info.alias or name for name, info in model.model_fields.items())}
    for name, info in model.model_fields.items():
        for inner in _models_in(info.annotation):
            fields.update(_wire_fields(inner, info.alias or name))
    return fields


_WIRE_FIELDS = _wire_fields()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one message.

    ``index`` is the message's position in its batch (``None`` for the batch as a whole),
    ``field`` the wire path inside the message (``groupRecipients[0].name``) and ``reason``
    says what is wrong and what to do about it (``reason`` on the wire too).
    """

    index: int | None
    field: str
    reason: str

    @property
    def path(self) -> str:
        """The full wire path, e.g. ``messages[2].groupRecipients[0].name``."""
        head = "messages" if self.index is None else f"messages[{self.index}]"
        return f"{head}.{self.field}" if self.field else head

    @property
    def message(self) -> str:
        """Deprecated name of :attr:`reason` (a "message" here is an inbox message)."""
        warnings.warn(
            "Problem.message is deprecated; use Problem.reason", DeprecationWarning, stacklevel=2
        )
        return self.reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def to_parameters(self) -> dict[str, Any]:
        """The problem as Palantir error parameters."""
        return {"messageIndex": self.index, "field": self.field, "reason": self.reason}


def format_location(loc: Iterable[int | str]) -> str:
    """``("groupRecipients", 0, "name")`` -> ``groupRecipients[0].name``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _parent_kind(loc: Sequence[int | str]) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-2] if len(names) >= 2 else "message"


_SHORT = reprlib.Repr()
_SHORT.maxstring = 80
_SHORT.maxother = 80
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 4
_SHORT.maxlevel = 2


def short_repr(value: Any) -> str:
    """A repr cut to about 80 characters: error texts quote input, never all of it."""
    return _SHORT.repr(value)


def advice_for(error: Any) -> str:
    """What is wrong and what to do, for one pydantic error (an item of ``errors()``)."""
    kind = error["type"]
    loc = error["loc"]
    name = str(loc[-1]) if loc else "message"
    if kind == "missing":
        return f"required field '{name}' is missing; add it"
    if kind == "extra_forbidden":
        known = _WIRE_FIELDS.get(_parent_kind(loc), ())
        hint = did_you_mean(name, known)
        allowed = ", ".join(known)
        return f"unknown field '{name}'; {hint}remove it (allowed here: {allowed})"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected}; got {short_repr(error.get('input'))}"
    if kind in {"string_type", "list_type", "model_type", "dict_type", "model_attributes_type"}:
        wanted = {
            "string_type": "a string",
            "list_type": "a list",
        }.get(kind, "an object")
        return f"must be {wanted}; got {type(error.get('input')).__name__}"
    return f"{error['msg']}; got {short_repr(error.get('input'))}"


def problems_from_error(error: ValidationError, index: int | None) -> list[Problem]:
    """Convert a pydantic error for one message into problems with wire paths."""
    return [
        Problem(index=index, field=format_location(item["loc"]), reason=advice_for(item))
        for item in error.errors(include_url=False)
    ]


def semantic_problems(message: SendMessageRequest, index: int | None) -> list[Problem]:
    """What the server refuses although the models accept it: no recipients, no markings."""
    problems = []
    if not message.group_recipients:
        problems.append(
            Problem(index, "groupRecipients", "no recipients; add at least one group recipient")
        )
    if not message.security.portion_markings:
        problems.append(
            Problem(
                index,
                "security.portionMarkings",
                "no portion markings; add at least one marking (e.g. UNCLASSIFIED)",
            )
        )
    return problems


def check_message(
    data: Any, index: int | None = None
) -> tuple[SendMessageRequest | None, list[Problem]]:
    """Validate one wire-form message: the model if valid, and every problem found."""
    if isinstance(data, SendMessageRequest):
        return data, semantic_problems(data, index)
    try:
        message = parse_message(data)
    except ValidationError as error:
        return None, problems_from_error(error, index)
    return message, semantic_problems(message, index)


def check_messages(
    messages: Sequence[Any],
) -> tuple[list[SendMessageRequest | None], list[Problem]]:
    """Validate a batch: one entry per message (``None`` where invalid) and all problems."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        return [], [Problem(None, "", "messages must be a list of message objects")]
    try:
        # The common case, a valid batch, in one pass through pydantic-core; only a batch with
        # a malformed message is checked message by message, to name each problem.
        valid = parse_request({"messages": list(messages)}).messages
    except ValidationError:
        pass
    else:
        semantic = [
            found for index, data in enumerate(valid) for found in semantic_problems(data, index)
        ]
        return list(valid), semantic
    parsed: list[SendMessageRequest | None] = []
    problems: list[Problem] = []
    for index, data in enumerate(messages):
        message, found = check_message(data, index)
        parsed.append(message)
        problems.extend(found)
    return parsed, problems

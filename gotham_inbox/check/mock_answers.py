"""What a user declares the mocks answer: outputs and ids of resources, invokes, stack references.

``check`` runs a program as ``pulumi preview`` would run it for a new stack: what the program did
not set itself is unknown. Where the user knows a value (an AMI id, an account id, another
stack's VPC id), they declare it in ``gotham-inbox-mocks.yaml`` beside ``Pulumi.yaml`` (or the
file ``check --mocks FILE`` names), in the shape of the explore file's sections, with values
instead of schemas::

    outputs:                     # resource type token -> output property -> value ("id" too)
      "random:index/randomPet:RandomPet":
        id: brave-eagle
    calls:                       # function token -> result property -> value
      "aws:index/getCallerIdentity:getCallerIdentity":
        accountId: "123456789012"
    stacks:                      # stack reference name -> output name -> value
      "acme/network/prod":
        vpcId: vpc-0abc

Everything not declared stays unknown; a message field that depends on it is judged at
``pulumi up``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gotham_inbox.documents import DocumentError, load_document
from gotham_inbox.errors import UserError

MOCKS_FILE = "gotham-inbox-mocks.yaml"
"""The declared answers ``check`` reads from beside Pulumi.yaml when the file exists."""

SECTIONS = {"outputs": "resources", "calls": "calls", "stacks": "stacks"}
"""File section -> the key of the answers mapping the runner takes (explore's shape)."""

Answers = Mapping[str, Mapping[str, Mapping[str, Any]]]
"""``{"resources": {type: {prop: value}}, "calls": {token: {...}}, "stacks": {name: {...}}}``."""


class MockAnswersError(UserError):
    """The mocks file cannot be used; the text names the file, the entry and the fix."""


def _section(path: Path, section: str, raw: object) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MockAnswersError(
            f"{path}: '{section}' must map tokens (or stack names) to their values"
        )
    answers: dict[str, dict[str, Any]] = {}
    for token, values in raw.items():
        if not isinstance(values, dict):
            raise MockAnswersError(
                f"{path}: {section}.{token} must map property names to values, e.g. "
                "accountId: '123456789012'"
            )
        answers[str(token)] = {str(name): value for name, value in values.items()}
    return answers


def load_mock_answers(path: Path | None) -> dict[str, dict[str, dict[str, Any]]]:
    """The answers declared in ``path`` (none for ``None``); :class:`MockAnswersError`."""
    if path is None:
        return {}
    try:
        raw = load_document(path, "yaml")
    except DocumentError as error:
        raise MockAnswersError(str(error)) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise MockAnswersError(f"{path} must be a mapping with {', '.join(SECTIONS)}")
    unknown = sorted(set(map(str, raw)) - set(SECTIONS))
    if unknown:
        raise MockAnswersError(
            f"{path}: unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}"
        )
    return {key: _section(path, section, raw.get(section)) for section, key in SECTIONS.items()}


def default_mocks_file(directory: Path) -> Path | None:
    """``gotham-inbox-mocks.yaml`` beside Pulumi.yaml, when it exists."""
    candidate = directory / MOCKS_FILE
    return candidate if candidate.is_file() else None


def merged(base: Answers | None, overrides: Answers | None) -> dict[str, dict[str, Any]]:
    """``base`` with ``overrides`` laid over it, token by token and property by property."""
    result: dict[str, dict[str, Any]] = {}
    for answers in (base or {}, overrides or {}):
        for key, tokens in answers.items():
            section = result.setdefault(key, {})
            for token, values in (tokens or {}).items():
                section[token] = {**section.get(token, {}), **values}
    return result

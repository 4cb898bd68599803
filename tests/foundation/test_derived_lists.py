"""The lists users see are the models' own: wire field names and text format styles.

They are derived from the pydantic models; these tests hold them to what users read elsewhere
(the shipped JSON Schema, Palantir's official SDK), so a model change cannot leave a stale list.
"""

from __future__ import annotations

import json
import re
from typing import Any, get_args

import pytest
from gotham.v1.gotham import models as official

from gotham_inbox.models import TEXT_FORMAT_STYLES
from gotham_inbox.schema import SCHEMA_DIR
from gotham_inbox.validation import check_message

MESSAGE: dict[str, Any] = {
    "groupRecipients": [{"name": "g"}],
    "sender": {"displayName": "s"},
    "title": {"value": "t"},
    "body": {"value": "b", "formatStyle": "MARKDOWN"},
    "security": {"portionMarkings": ["U"]},
}


def shipped_properties(definition: str) -> list[str]:
    """The property names of one object of the shipped request schema."""
    schema = json.loads((SCHEMA_DIR / "send-messages-request.schema.json").read_text())
    return sorted(schema["$defs"][definition]["properties"])


def allowed_here(message: dict[str, Any]) -> list[str]:
    """The field names the unknown-field problem offers."""
    _, problems = check_message(message, 0)
    (problem,) = problems
    found = re.search(r"\(allowed here: ([^)]*)\)", problem.reason)
    assert found, problem.reason
    return sorted(found.group(1).split(", "))


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("SendMessageRequest", {**MESSAGE, "colour": 1}),
        ("GroupRecipient", {**MESSAGE, "groupRecipients": [{"name": "g", "colour": 1}]}),
        ("MessageSender", {**MESSAGE, "sender": {"displayName": "s", "colour": 1}}),
        ("SecureTextTitle", {**MESSAGE, "title": {"value": "t", "colour": 1}}),
        ("SecureTextBody", {**MESSAGE, "body": {**MESSAGE["body"], "colour": 1}}),
        ("MessageSecurity", {**MESSAGE, "security": {"portionMarkings": [], "colour": 1}}),
    ],
)
def test_an_unknown_field_lists_the_fields_the_schema_allows_there(
    definition: str, message: dict[str, Any]
) -> None:
    assert allowed_here(message) == shipped_properties(definition)


def test_text_format_styles_are_the_official_sdks() -> None:
    assert get_args(official.TextFormatStyle) == TEXT_FORMAT_STYLES

"""Differential test: our models against the official gotham-platform-python models.

The official client is only a test oracle here. Whatever our models accept, the official models
must accept too and serialise to the same JSON; otherwise our users would send what Palantir's
own client could not.
"""

from __future__ import annotations

import json
from typing import Any

from gotham.v1.gotham import models as official
from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox.models import SendMessagesResponse, parse_message


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@given(gs.messages(with_source_id=st.just(False)))
def test_official_models_accept_our_messages_and_serialise_identically(
    message: dict[str, Any],
) -> None:
    ours = parse_message(message).to_wire()
    theirs = official.SendMessageRequest.model_validate(message).to_dict()
    assert _json(theirs) == ours


@given(gs.messages(with_source_id=st.just(True)))
def test_official_models_carry_our_source_id_as_an_extra_field(message: dict[str, Any]) -> None:
    theirs = _json(official.SendMessageRequest.model_validate(message).to_dict())
    assert theirs == parse_message(message).to_wire()
    assert theirs["sourceId"] == message["sourceId"]


@given(gs.source_ids(), gs.source_ids())
def test_responses_parse_identically(sent: str, conflicting: str) -> None:
    wire = {
        "responses": [{"sourceId": sent}],
        "failures": [{"sourceId": conflicting, "reason": "CONFLICTING_SOURCE_ID"}],
    }
    ours = SendMessagesResponse.model_validate(wire).to_wire()
    theirs = _json(official.SendMessagesResponse.model_validate(wire).to_dict())
    assert ours == theirs == wire

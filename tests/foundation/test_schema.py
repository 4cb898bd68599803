"""The shipped JSON Schema: generated from the models, never drifting, and in agreement."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox import schema
from gotham_inbox import strategies as gs
from gotham_inbox.models import parse_request
from gotham_inbox.validation import check_message


@pytest.mark.parametrize(("filename", "model"), list(schema.SCHEMA_MODELS.items()))
def test_shipped_schema_files_match_the_models(filename: str, model: Any) -> None:
    shipped = (schema.SCHEMA_DIR / filename).read_text(encoding="utf-8")
    assert shipped == schema.render(model), (
        f"{filename} is stale: run `gotham-inbox schema --write` and commit the result"
    )


def test_schema_cli_prints_the_request_schema(capsys: pytest.CaptureFixture[str]) -> None:
    from gotham_inbox.cli import main

    assert main(["schema"]) == 0
    assert (
        capsys.readouterr().out
        == (schema.SCHEMA_DIR / "send-messages-request.schema.json").read_text()
    )


def _schema_accepts(body: Any) -> bool:
    return not list(schema.request_validator().iter_errors(body))


def _models_accept(body: Any) -> bool:
    try:
        parse_request(body)
    except ValueError:
        return False
    return True


@given(gs.batches())
def test_schema_and_models_accept_valid_batches(batch: list[dict[str, Any]]) -> None:
    body = {"messages": batch}
    assert _models_accept(body)
    assert _schema_accepts(body)


@given(gs.near_valid_messages())
def test_schema_and_models_agree_on_near_valid_messages(case: tuple[str, dict[str, Any]]) -> None:
    breakage, message = case
    body = {"messages": [message]}
    assert _models_accept(body) == _schema_accepts(body), breakage
    model, problems = check_message(message, 0)
    assert model is None and problems, f"{breakage} was not refused"


@given(
    st.fixed_dictionaries({"messages": st.lists(gs.json_values(), max_size=2)}) | gs.json_values()
)
def test_schema_and_models_agree_on_arbitrary_json(body: Any) -> None:
    assert _models_accept(body) == _schema_accepts(body)

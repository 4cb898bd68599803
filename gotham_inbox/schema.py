"""The JSON Schema of the wire format, generated from the models (never edited by hand).

``gotham-inbox schema --write`` regenerates ``gotham_inbox/schemas/*.json``; a test fails when
the shipped files and the models drift apart.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel

from gotham_inbox.models import SendMessagesRequest, SendMessagesResponse
from gotham_inbox.output_files import write_files_atomically

SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "send-messages-request.schema.json": SendMessagesRequest,
    "send-messages-response.schema.json": SendMessagesResponse,
}
SCHEMA_DIR = Path(__file__).parent / "schemas"


def generate(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a model, with wire (camelCase) names."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render(model: type[BaseModel]) -> str:
    """The schema file's exact text."""
    return json.dumps(generate(model), indent=2, sort_keys=True) + "\n"


def write_all(directory: Path | None = None) -> list[Path]:
    """Regenerate every schema file, all or none; returns the paths written.

    Raises:
        OSError: the files could not be written; the shipped ones are as they were.
    """
    directory = SCHEMA_DIR if directory is None else directory  # read at call time
    directory.mkdir(parents=True, exist_ok=True)
    files = {filename: render(model).encode("utf-8") for filename, model in SCHEMA_MODELS.items()}
    write_files_atomically(directory, files)
    return [directory / filename for filename in files]


@cache
def load(filename: str = "send-messages-request.schema.json") -> dict[str, Any]:
    """A shipped schema file, parsed."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / filename).read_text(encoding="utf-8"))
    return schema


@cache
def request_validator() -> Draft202012Validator:
    """A jsonschema validator for request bodies, with format checks (uuid) on."""
    return Draft202012Validator(load(), format_checker=FormatChecker())

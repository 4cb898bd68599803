"""Palantir error envelopes: every non-2xx answer of the emulator is one of these."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from gotham_inbox.emulator.catalogue import ERROR_CODES, UNPROCESSABLE_ENTITY, ErrorSpec
from gotham_inbox.validation import Problem

MAX_LISTED_PROBLEMS = 100
"""An error lists at most this many problems (a hostile batch must not make a huge answer)."""


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped, so echoed input (even lone surrogates) always encodes."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


class EmulatorError(Exception):
    """An error answer: HTTP status, Palantir ``errorName`` and ``parameters``."""

    def __init__(
        self,
        status_code: int,
        error_name: str,
        parameters: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.error_name = error_name
        self.parameters = dict(parameters or {})
        self.headers = dict(headers or {})
        super().__init__(f"{status_code} {error_name}")

    @classmethod
    def of(
        cls,
        spec: ErrorSpec,
        parameters: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> EmulatorError:
        """The catalogue's error ``spec`` with these parameters."""
        return cls(spec.status, spec.name, parameters, headers)

    def envelope(self) -> dict[str, Any]:
        """``{"errorCode", "errorName", "errorInstanceId", "parameters"}``."""
        return {
            "errorCode": ERROR_CODES.get(self.status_code, "CUSTOM_SERVER"),
            "errorName": self.error_name,
            "errorInstanceId": str(uuid.uuid4()),
            "parameters": self.parameters,
        }

    def response(self) -> AsciiJSONResponse:
        """The error as an HTTP response."""
        return AsciiJSONResponse(self.envelope(), self.status_code, headers=self.headers)


def problem_parameters(problem: Problem) -> dict[str, Any]:
    """One problem: ``messageIndex``, ``field`` (inside the message), ``path`` and ``reason``."""
    return {**problem.to_parameters(), "path": problem.path}


def problems_error(
    status_code: int,
    error_name: str,
    problems: Sequence[Problem],
    documented: Mapping[str, Any] | None = None,
    *,
    truncated: bool = False,
) -> EmulatorError:
    """An error with its ``documented`` parameters, plus our explanations: ``problems`` (at
    most :data:`MAX_LISTED_PROBLEMS`), and the first problem's location at top level.

    ``truncated`` says the review stopped early, so more problems may exist than are listed.
    """
    listed = [problem_parameters(problem) for problem in problems[:MAX_LISTED_PROBLEMS]]
    parameters: dict[str, Any] = {**(documented or {}), **listed[0], "problems": listed}
    if truncated or len(problems) > MAX_LISTED_PROBLEMS:
        parameters["problemsTruncated"] = True
    return EmulatorError(status_code, error_name, parameters)


def spec_error(
    spec: ErrorSpec,
    problems: Sequence[Problem],
    documented: Mapping[str, Any] | None = None,
    *,
    truncated: bool = False,
) -> EmulatorError:
    """:func:`problems_error` for the catalogue's error ``spec``."""
    return problems_error(spec.status, spec.name, problems, documented, truncated=truncated)


def body_error(field: str, reason: str) -> EmulatorError:
    """422 ``Conjure:UnprocessableEntity`` for a body that is not ``{"messages": [...]}``."""
    return EmulatorError.of(
        UNPROCESSABLE_ENTITY,
        {"messageIndex": None, "field": field, "path": field, "reason": reason},
    )

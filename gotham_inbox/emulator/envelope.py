"""Palantir error envelopes: every non-2xx answer of the emulator is one of these."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from gotham_inbox.validation import Problem

ERROR_CODES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHORIZED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    500: "INTERNAL",
}


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


def problems_error(status_code: int, error_name: str, problems: Sequence[Problem]) -> EmulatorError:
    """An error listing every problem; the first one's location is also given at top level."""
    listed = [problem_parameters(problem) for problem in problems]
    return EmulatorError(status_code, error_name, {**listed[0], "problems": listed})


def body_error(field: str, reason: str) -> EmulatorError:
    """400 for a request body that is not ``{"messages": [...]}`` at all."""
    return EmulatorError(
        400,
        "InvalidRequestBody",
        {"messageIndex": None, "field": field, "path": field, "reason": reason},
    )

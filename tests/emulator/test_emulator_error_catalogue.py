"""Every refusal in the emulator's catalogue, through the official client, against the SDK's
own error classes: the name, the exception class and the documented parameter keys.

The official send method declares no throwable errors, so these calls go through the SDK's
generic ``ApiClient.call_api`` with every error class of ``gotham.v1.gotham.errors`` declared:
the SDK then builds its specific class only if the name matches and the parameters validate
against that class's own parameter type.
"""

from __future__ import annotations

import json
import typing
import uuid
from collections.abc import Callable
from typing import Any

import gotham
import pytest
from gotham import PalantirRPCException
from gotham._core.api_client import ApiClient, RequestInfo
from gotham.v1.gotham import errors as sdk_errors
from gotham.v1.gotham.models import GroupRecipient

from gotham_inbox.emulator import catalogue
from gotham_inbox.emulator.catalogue import ErrorSpec
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.emulator.emulator_helpers import error_parameters, message

SDK_ERRORS: dict[str, type[PalantirRPCException]] = {
    name: getattr(sdk_errors, name) for name in sdk_errors.__all__
}
STATUS_CLASSES: dict[int, type[PalantirRPCException]] = {
    400: gotham.BadRequestError,
    401: gotham.UnauthorizedError,
    403: gotham.PermissionDeniedError,
    413: gotham.RequestEntityTooLargeError,
    422: gotham.UnprocessableEntityError,
    500: gotham.InternalServerError,
}


def call(
    emulator: RunningEmulator,
    *,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
    preview: bool | None = True,
    method: str = "POST",
    authorization: str | None = None,
) -> PalantirRPCException:
    """Send one raw request with the official client; the exception it raises."""
    client = ApiClient(
        auth=gotham.UserTokenAuth(emulator.token_for() if token is None else token),
        hostname=emulator.hostname,
        config=gotham.Config(scheme="http"),
    )
    if body is None:
        body = json.dumps({"messages": [message()]}).encode()
    request = RequestInfo(
        method=method,
        resource_path="/gotham/v1/inbox/messages",
        query_params={"preview": preview},
        path_params={},
        header_params={
            "Content-Type": content_type,
            "Accept": "application/json",
            **({"Authorization": authorization} if authorization else {}),
        },
        body=body if method == "POST" else None,
        body_type=bytes if method == "POST" else None,
        response_type=None,
        request_timeout=None,
        throwable_errors=SDK_ERRORS,
    )
    with pytest.raises(PalantirRPCException) as caught:
        client.call_api(request)
    return caught.value


def batch(*messages: dict[str, Any]) -> bytes:
    return json.dumps({"messages": list(messages)}).encode()


def _too_large(emulator: RunningEmulator) -> PalantirRPCException:
    with running_emulator(max_body_bytes=64) as small:
        return call(small)


def _internal(emulator: RunningEmulator) -> PalantirRPCException:
    emulator.faults.add("error-after-commit", times=1)
    return call(emulator)


CASES: dict[str, Callable[[RunningEmulator], PalantirRPCException]] = {
    # The official client always sends its token; a header of the call replaces it.
    catalogue.MISSING_CREDENTIALS.name: lambda emu: call(emu, authorization="Basic ZGV2OmRldg=="),
    catalogue.UNAUTHORIZED.name: lambda emu: call(emu, token="no-such-token"),
    catalogue.API_USAGE_DENIED.name: lambda emu: call(emu, token=emu.token_for("intern")),
    catalogue.PREVIEW_ONLY.name: lambda emu: call(emu, preview=None),
    catalogue.UNSUPPORTED_MEDIA_TYPE.name: lambda emu: call(emu, content_type="text/plain"),
    catalogue.TOO_LARGE.name: _too_large,
    catalogue.UNPROCESSABLE_ENTITY.name: lambda emu: call(emu, body=b"{not json"),
    catalogue.INVALID_ARGUMENT.name: lambda emu: call(
        emu, body=batch({k: v for k, v in message().items() if k != "title"})
    ),
    catalogue.INVALID_MESSAGE_REQUESTS.name: lambda emu: call(
        emu, body=batch(message(title={"value": "x" * 1001}))
    ),
    catalogue.UNKNOWN_RECIPIENTS.name: lambda emu: call(
        emu,
        body=batch(message(groupRecipients=[{"name": "platform-team"}, {"name": "nobody"}])),
    ),
    catalogue.INVALID_PORTION_MARKINGS.name: lambda emu: call(
        emu, body=batch(message(security={"portionMarkings": ["UNCLASSIFIED", "TOP-SECRET"]}))
    ),
    catalogue.METHOD_NOT_ALLOWED.name: lambda emu: call(emu, method="PUT"),
    catalogue.INTERNAL.name: _internal,
}

DOCUMENTED_VALUES: dict[str, tuple[str, Any]] = {
    "UnknownRecipients": ("groupRecipients", [GroupRecipient(name="nobody")]),
    "InvalidMessagePortionMarkings": ("portionMarkings", ["TOP-SECRET"]),
}

ANSWERS_WITH_A_BODY = [spec for spec in catalogue.SEND_ERRORS if spec.error_code]


def test_every_catalogued_error_with_a_body_is_checked_here() -> None:
    assert {spec.name for spec in ANSWERS_WITH_A_BODY} == set(CASES)


def _required_keys(error_class: type[PalantirRPCException]) -> set[str]:
    parameters_type = typing.get_type_hints(error_class)["parameters"]
    keys: frozenset[str] = parameters_type.__required_keys__ | parameters_type.__optional_keys__
    return set(keys)


@pytest.mark.parametrize("spec", ANSWERS_WITH_A_BODY, ids=lambda spec: spec.name)
def test_the_official_client_reads_each_refusal_as_gotham_names_it(
    gotham_emulator: RunningEmulator, spec: ErrorSpec
) -> None:
    error: Any = CASES[spec.name](gotham_emulator)

    assert error.name == spec.name
    assert uuid.UUID(error.error_instance_id)
    status_class = STATUS_CLASSES.get(spec.status, PalantirRPCException)
    assert isinstance(error, status_class)
    parameters = error_parameters(error)
    sdk_class = SDK_ERRORS.get(spec.name)
    if sdk_class is None:
        # Not in the SDK: the client falls back to the class of the status.
        assert type(error) is status_class
    else:
        # The SDK built its own class: the name matched and the parameters validated.
        assert type(error) is sdk_class
        assert sdk_class.__mro__[1] is status_class
        assert _required_keys(sdk_class) == set(spec.parameters)
        assert set(spec.parameters) <= set(parameters) or spec.parameters == ("inboxErrorMessage",)
        if spec.name in DOCUMENTED_VALUES:
            key, value = DOCUMENTED_VALUES[spec.name]
            assert parameters[key] == value
        if spec.name == "InvalidMessageRequests":
            assert "1001 characters" in parameters["inboxErrorMessage"]
    # Our explanation, for people fixing a message, rides along in extra parameters.
    assert parameters["reason"]
    if spec.status not in {500}:
        assert gotham_emulator.messages() == []


def test_the_error_table_in_the_docs_has_a_row_for_every_catalogued_error() -> None:
    from pathlib import Path

    table = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    for spec in catalogue.SEND_ERRORS:
        name = f"`{spec.name}`" if spec.error_code else "(empty body)"
        assert any(line.startswith(f"| {spec.status} |") and name in line for line in rows), (
            f"docs/errors.md has no row for {spec.status} {spec.name}"
        )
        documented = [line for line in rows if line.startswith(f"| {spec.status} |")]
        assert all("documented" in line or "assumed" in line for line in documented)

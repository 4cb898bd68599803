"""The emulator's ASGI application (Starlette).

Routes:

- ``POST /api/gotham/v1/inbox/messages?preview=true``: the send endpoint, as in the reference.
- ``POST /multipass/api/oauth2/token``: client credentials for the directory's clients.
- ``POST /multipass/api/oauth2/revoke_token``: forget an issued token (the official client's
  sign-out).
- ``GET /emulator/messages``: what was accepted; ``DELETE /emulator/messages`` empties it.
- ``GET /emulator/health``.

A caller-chosen ``sourceId`` is honoured, ignored or refused, as ``source_ids`` says
(:mod:`gotham_inbox.emulator.source_ids`); a message without one always gets a server id.

Every error is a Palantir envelope; an unknown path is a 404 with an empty body, which is how a
Palantir host says "this API is not available here".
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotham_inbox.emulator.directory import PRODUCER_GROUP, Directory, User
from gotham_inbox.emulator.envelope import (
    AsciiJSONResponse,
    EmulatorError,
    body_error,
    problems_error,
)
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS, TokenIssuer
from gotham_inbox.emulator.rules import review_batch
from gotham_inbox.emulator.source_ids import (
    DEFAULT_SOURCE_ID_MODE,
    SourceIdMode,
    refuse_source_ids,
    source_id_mode,
)
from gotham_inbox.emulator.store import MessageStore

logger = logging.getLogger("gotham_inbox.emulator")

SEND_PATH = "/api/gotham/v1/inbox/messages"
TOKEN_PATH = "/multipass/api/oauth2/token"
REVOKE_PATH = "/multipass/api/oauth2/revoke_token"
MESSAGES_PATH = "/emulator/messages"
HEALTH_PATH = "/emulator/health"

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64


@dataclass
class EmulatorConfig:
    """What the routes work with."""

    directory: Directory
    store: MessageStore
    issuer: TokenIssuer
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    source_ids: SourceIdMode = DEFAULT_SOURCE_ID_MODE
    """How a caller-chosen sourceId is treated (see :mod:`gotham_inbox.emulator.source_ids`)."""


# -- reading requests ------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or a 413 as soon as it is known to be over ``limit`` bytes."""
    too_large = EmulatorError(
        413,
        "RequestEntityTooLarge",
        {
            "maxBytes": limit,
            "reason": f"the request body is over {limit} bytes; send fewer "
            "or smaller messages per request",
        },
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def parse_messages(body: bytes) -> list[Any]:
    """The ``messages`` list of a send request body, or a 400 saying what the body lacks."""
    if not body.strip():
        raise body_error("", 'the request body is empty; send {"messages": [...]}')
    try:
        data = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise body_error("", f"the request body is not valid JSON ({detail})") from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise body_error("", f"the request body is nested more than {MAX_JSON_DEPTH} levels deep")
    if not isinstance(data, dict):
        raise body_error(
            "",
            f'the request body must be a JSON object {{"messages": [...]}}, not '
            f"{type(data).__name__}",
        )
    unknown = sorted(set(data) - {"messages"})
    if unknown:
        raise body_error(unknown[0], f"unknown field '{unknown[0]}' in the request body; remove it")
    if "messages" not in data:
        raise body_error("messages", "required field 'messages' is missing; add it")
    messages = data["messages"]
    if not isinstance(messages, list):
        raise body_error(
            "messages", f"must be a list of message objects; got {type(messages).__name__}"
        )
    return messages


def parse_form(body: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the OAuth2 token request)."""
    try:
        text = body.decode("utf-8")
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text)))
    except (UnicodeDecodeError, ValueError):
        raise EmulatorError(
            400,
            "InvalidRequestBody",
            {"reason": "the body must be application/x-www-form-urlencoded"},
        ) from None


# -- authentication --------------------------------------------------------------------------


def authenticate(request: Request, config: EmulatorConfig) -> User:
    """The caller named by the bearer token; 401 if there is no token or it is not valid."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise EmulatorError(
            401,
            "MissingCredentials",
            {"reason": "send 'Authorization: Bearer <token>' (a user token or an OAuth2 token)"},
        )
    user = config.directory.user_for_token(token)
    if user is not None:
        return user
    name, expired = config.issuer.user_for(token)
    if name is not None:
        return config.directory.user(name)
    reason = (
        "the token has expired; request a new one"
        if expired
        else "the token is not valid for this host"
    )
    raise EmulatorError(401, "InvalidToken", {"reason": reason})


# -- routes ----------------------------------------------------------------------------------


async def send_messages(request: Request) -> Response:
    """``POST /api/gotham/v1/inbox/messages?preview=true``."""
    config: EmulatorConfig = request.app.state.emulator
    caller = authenticate(request, config)
    request.state.caller = caller.name
    if not caller.is_inbox_producer:
        raise EmulatorError(
            403,
            "NotInboxAlertProducer",
            {
                "caller": caller.name,
                "reason": f"the caller must be a member of the '{PRODUCER_GROUP}' group",
            },
        )
    preview = request.query_params.get("preview")
    if preview is None or preview.lower() != "true":
        raise EmulatorError(
            400,
            "ApiFeaturePreviewUsageOnly",
            {
                "preview": preview,
                "reason": "this endpoint is in preview; add preview=true to the query parameters",
            },
        )
    messages = parse_messages(await read_body(request, config.max_body_bytes))
    if config.source_ids == "reject":
        # An unknown field fails deserialisation, before any validation or sending.
        refuse_source_ids(messages)
    review = review_batch(
        messages, caller, config.directory, honour_source_ids=config.source_ids == "honour"
    )
    if review.invalid:
        # Report every problem in one answer, clearance ones included, so a user fixes all.
        problems = sorted(
            review.invalid + review.forbidden,
            key=lambda problem: -1 if problem.index is None else problem.index,
        )
        raise problems_error(400, "InvalidMessages", problems)
    if review.forbidden:
        raise problems_error(403, "MarkingNotPermitted", review.forbidden)
    stored = await run_in_threadpool(config.store.add_batch, review.accepted)
    responses = [
        {"sourceId": item.source_id} for item, ok in zip(review.accepted, stored, strict=True) if ok
    ]
    failures = [
        {"sourceId": item.source_id, "reason": "CONFLICTING_SOURCE_ID"}
        for item, ok in zip(review.accepted, stored, strict=True)
        if not ok
    ]
    return AsciiJSONResponse({"responses": responses, "failures": failures})


def _client_credentials(form: dict[str, str], config: EmulatorConfig, request: Request) -> User:
    client_id = form.get("client_id", "")
    request.state.caller = f"client:{client_id}" if client_id else None
    client = config.directory.client(client_id)
    if client is None or client.client_secret != form.get("client_secret"):
        raise EmulatorError(
            401,
            "InvalidClientCredentials",
            {"clientId": client_id, "reason": "unknown client_id or wrong client_secret"},
        )
    return config.directory.user(client.user)


async def issue_token(request: Request) -> Response:
    """``POST /multipass/api/oauth2/token`` with ``grant_type=client_credentials``."""
    config: EmulatorConfig = request.app.state.emulator
    form = parse_form(await read_body(request, config.max_body_bytes))
    grant_type = form.get("grant_type")
    if grant_type != "client_credentials":
        raise EmulatorError(
            400,
            "UnsupportedGrantType",
            {"grantType": grant_type, "reason": "only grant_type=client_credentials is supported"},
        )
    user = _client_credentials(form, config, request)
    issued = config.issuer.issue(user.name)
    answer: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "bearer",
        "expires_in": issued.expires_in,
    }
    if form.get("scope"):
        answer["scope"] = form["scope"]
    return AsciiJSONResponse(answer, headers={"Cache-Control": "no-store"})


async def revoke_token(request: Request) -> Response:
    """``POST /multipass/api/oauth2/revoke_token``: forget an issued token."""
    config: EmulatorConfig = request.app.state.emulator
    form = parse_form(await read_body(request, config.max_body_bytes))
    _client_credentials(form, config, request)
    config.issuer.revoke(form.get("token", ""))
    return Response(status_code=200)


async def list_messages(request: Request) -> Response:
    """``GET /emulator/messages``: every accepted message, oldest first."""
    config: EmulatorConfig = request.app.state.emulator
    stored = await run_in_threadpool(config.store.messages)
    return AsciiJSONResponse({"messages": [item.to_wire() for item in stored]})


async def clear_messages(request: Request) -> Response:
    """``DELETE /emulator/messages``: forget every accepted message (test isolation)."""
    config: EmulatorConfig = request.app.state.emulator
    deleted = await run_in_threadpool(config.store.clear)
    return AsciiJSONResponse({"deleted": deleted})


async def health(request: Request) -> Response:
    """``GET /emulator/health``."""
    return AsciiJSONResponse({"status": "ok"})


# -- error handling and logging --------------------------------------------------------------


async def _emulator_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, EmulatorError)
    return error.response()


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        # Empty body: Palantir's way of saying "this API is not available on this host".
        return Response(status_code=404)
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow", "")
        return EmulatorError(
            405,
            "MethodNotAllowed",
            {"method": request.method, "allowed": allowed},
            headers={"Allow": allowed},
        ).response()
    return EmulatorError(error.status_code, "HttpError", {"reason": error.detail}).response()


async def _internal_error(request: Request, error: Exception) -> Response:
    return EmulatorError(500, "Default:Internal", {"reason": type(error).__name__}).response()


class RequestLogMiddleware:
    """One log line per request: method, path, status, caller and duration.

    The query string and headers are never logged, so tokens and secrets cannot leak.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            logger.info(
                "%s %s %d caller=%s %.1fms",
                scope["method"],
                scope["path"],
                status,
                state.get("caller") or "-",
                (time.perf_counter() - started) * 1000,
            )


def create_app(
    directory: Directory,
    store: MessageStore,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    issuer: TokenIssuer | None = None,
    source_ids: str = DEFAULT_SOURCE_ID_MODE,
) -> Starlette:
    """The emulator as an ASGI app serving ``directory``, storing into ``store``.

    Args:
        directory: markings, groups, users and OAuth2 clients.
        store: where accepted messages go (closing it is the caller's job).
        max_body_bytes: larger request bodies are answered with 413.
        token_lifetime_seconds: lifetime of tokens from the OAuth2 token endpoint.
        issuer: a :class:`TokenIssuer` to use instead (e.g. with a test clock).
        source_ids: ``honour``, ``ignore`` or ``reject`` a caller-chosen sourceId.
    """
    if max_body_bytes < 1:
        raise ValueError("max_body_bytes must be at least 1")
    mode = source_id_mode(source_ids)
    routes = [
        Route(SEND_PATH, send_messages, methods=["POST"]),
        Route(TOKEN_PATH, issue_token, methods=["POST"]),
        Route(REVOKE_PATH, revoke_token, methods=["POST"]),
        Route(MESSAGES_PATH, list_messages, methods=["GET"]),
        Route(MESSAGES_PATH, clear_messages, methods=["DELETE"]),
        Route(HEALTH_PATH, health, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            EmulatorError: _emulator_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    app.state.emulator = EmulatorConfig(
        directory=directory,
        store=store,
        issuer=issuer or TokenIssuer(token_lifetime_seconds),
        max_body_bytes=max_body_bytes,
        source_ids=mode,
    )
    app.add_middleware(RequestLogMiddleware)
    return app

"""The emulator's ASGI application (Starlette).

Routes:

- ``POST /api/gotham/v1/inbox/messages?preview=true``: the send endpoint, as in the reference.
- ``POST /multipass/api/oauth2/token``: client credentials for the directory's clients.
- ``POST /multipass/api/oauth2/revoke_token``: forget an issued token (the official client's
  sign-out).
- ``GET /emulator/messages``: what was accepted; ``DELETE /emulator/messages`` empties it.
  Both need the emulator's admin token (``Authorization: Bearer <admin token>``): the store
  holds every body sent, SECRET-marked ones included.
- ``GET /emulator/health``.

A caller-chosen ``sourceId`` is honoured, ignored or refused, as ``source_ids`` says
(:mod:`gotham_inbox.emulator.source_id_modes`); a message without one always gets a server id.

Every error of the send endpoint is a Palantir envelope with Gotham's own name
(:mod:`gotham_inbox.emulator.catalogue`, ``docs/errors.md``); the OAuth2 endpoints answer as
RFC 6749 says. An unknown path, a trailing slash included, is a 404 with an empty body: how a
Palantir host says "this API is not available here". Faults on demand
(:mod:`gotham_inbox.emulator.faults`) are off unless a plan is given.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotham_inbox.directory import PRODUCER_GROUP, Directory, User
from gotham_inbox.emulator.catalogue import (
    API_USAGE_DENIED,
    INTERNAL,
    METHOD_NOT_ALLOWED,
    MISSING_CREDENTIALS,
    PREVIEW_ONLY,
    TOO_LARGE,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
)
from gotham_inbox.emulator.envelope import AsciiJSONResponse, EmulatorError, body_error
from gotham_inbox.emulator.faults import FAULT_STATE, Fault, FaultMiddleware, FaultPlan
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS, OAuthError, TokenIssuer
from gotham_inbox.emulator.rules import BatchReview, refusal, review_batch
from gotham_inbox.emulator.source_id_modes import (
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
    """How a caller-chosen sourceId is treated (see
    :mod:`gotham_inbox.emulator.source_id_modes`)."""
    admin_token: str = ""
    """The bearer token ``/emulator/messages`` requires."""


# -- reading requests ------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or a 413 as soon as it is known to be over ``limit`` bytes."""
    too_large = EmulatorError.of(
        TOO_LARGE,
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
        raise OAuthError(
            400, "invalid_request", "the body must be application/x-www-form-urlencoded"
        ) from None


# -- authentication --------------------------------------------------------------------------


def authenticate(request: Request, config: EmulatorConfig) -> User:
    """The caller named by the bearer token; 401 if there is no token or it is not valid."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise EmulatorError.of(
            MISSING_CREDENTIALS,
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
    raise EmulatorError.of(UNAUTHORIZED, {"reason": reason})


def require_admin(request: Request, config: EmulatorConfig) -> None:
    """401 unless the request carries the emulator's admin token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and secrets.compare_digest(
        token.strip().encode(), config.admin_token.encode()
    ):
        request.state.caller = "admin"
        return
    spec = MISSING_CREDENTIALS if not token.strip() else UNAUTHORIZED
    raise EmulatorError.of(
        spec,
        {
            "reason": "this emulator endpoint needs its admin token: 'Authorization: Bearer "
            "<admin token>' (printed at start-up; RunningEmulator.admin_token in tests)"
        },
    )


def _require_json(request: Request) -> None:
    content_type = request.headers.get("content-type")
    if content_type is None:
        return  # assumed: a missing Content-Type is read as JSON
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise EmulatorError.of(
            UNSUPPORTED_MEDIA_TYPE,
            {"reason": f"Content-Type '{media_type}' is not supported; send application/json"},
        )


# -- routes ----------------------------------------------------------------------------------


async def send_messages(request: Request) -> Response:
    """``POST /api/gotham/v1/inbox/messages?preview=true``."""
    config: EmulatorConfig = request.app.state.emulator
    caller = authenticate(request, config)
    request.state.caller = caller.name
    if not caller.is_inbox_producer:
        raise EmulatorError.of(
            API_USAGE_DENIED,
            {
                "caller": caller.name,
                "reason": f"the caller must be a member of the '{PRODUCER_GROUP}' group",
            },
        )
    preview = request.query_params.get("preview")
    if preview is None or preview.lower() != "true":
        raise EmulatorError.of(
            PREVIEW_ONLY,
            {
                "preview": preview,
                "reason": "this endpoint is in preview; add preview=true to the query parameters",
            },
        )
    _require_json(request)
    body = await read_body(request, config.max_body_bytes)
    # Parsing and reviewing a large batch is CPU work: off the event loop, so one hostile
    # request never stalls the others.
    review = await run_in_threadpool(_review, body, caller, config)
    if review.count:
        raise refusal(review)
    fault: Fault | None = request.scope.get("state", {}).get(FAULT_STATE)
    unknown = review.accepted[:1] if fault is not None and fault.kind == "unknown-conflict" else []
    to_store = review.accepted[len(unknown) :]
    stored = await run_in_threadpool(config.store.add_batch, to_store)
    failures = [{"sourceId": item.source_id, "reason": "UNKNOWN"} for item in unknown]
    responses = []
    for item, ok in zip(to_store, stored, strict=True):
        if ok:
            responses.append({"sourceId": item.source_id})
        else:
            failures.append({"sourceId": item.source_id, "reason": "CONFLICTING_SOURCE_ID"})
    return AsciiJSONResponse({"responses": responses, "failures": failures})


def _review(body: bytes, caller: User, config: EmulatorConfig) -> BatchReview:
    messages = parse_messages(body)
    if config.source_ids == "reject":
        # An unknown field fails deserialisation, before any validation or sending.
        refuse_source_ids(messages)
    return review_batch(
        messages, caller, config.directory, honour_source_ids=config.source_ids == "honour"
    )


def _client_credentials(form: dict[str, str], config: EmulatorConfig, request: Request) -> User:
    client_id = form.get("client_id", "")
    request.state.caller = f"client:{client_id}" if client_id else None
    client = config.directory.client(client_id)
    offered = form.get("client_secret", "").encode()
    if client is None or not secrets.compare_digest(client.client_secret.encode(), offered):
        raise OAuthError(401, "invalid_client", "unknown client_id or wrong client_secret")
    return config.directory.user(client.user)


async def issue_token(request: Request) -> Response:
    """``POST /multipass/api/oauth2/token`` with ``grant_type=client_credentials``."""
    config: EmulatorConfig = request.app.state.emulator
    form = parse_form(await read_body(request, config.max_body_bytes))
    grant_type = form.get("grant_type")
    if grant_type != "client_credentials":
        raise OAuthError(
            400, "unsupported_grant_type", "only grant_type=client_credentials is supported"
        )
    user = _client_credentials(form, config, request)
    issued = config.issuer.issue(user.name, form.get("client_id", ""))
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
    token = form.get("token", "")
    owner = config.issuer.owner_of(token)
    if owner is not None and owner != form.get("client_id", ""):
        # RFC 7009 2.1: a client may revoke only the tokens issued to it.
        raise OAuthError(400, "unauthorized_client", "the token was not issued to this client")
    config.issuer.revoke(token)
    # RFC 7009 2.2: an unknown (or already revoked) token is answered 200 as well.
    return Response(status_code=200)


async def list_messages(request: Request) -> Response:
    """``GET /emulator/messages``: every accepted message, oldest first."""
    config: EmulatorConfig = request.app.state.emulator
    require_admin(request, config)
    stored = await run_in_threadpool(config.store.messages)
    return AsciiJSONResponse({"messages": [item.to_wire() for item in stored]})


async def clear_messages(request: Request) -> Response:
    """``DELETE /emulator/messages``: forget every accepted message (test isolation)."""
    config: EmulatorConfig = request.app.state.emulator
    require_admin(request, config)
    deleted = await run_in_threadpool(config.store.clear)
    return AsciiJSONResponse({"deleted": deleted})


async def health(request: Request) -> Response:
    """``GET /emulator/health``."""
    return AsciiJSONResponse({"status": "ok"})


# -- error handling and logging --------------------------------------------------------------


async def _emulator_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, EmulatorError)
    return error.response()


async def _oauth_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, OAuthError)
    headers = {"Cache-Control": "no-store"}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="multipass"'
    return AsciiJSONResponse(error.body(), error.status_code, headers=headers)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        # Empty body: Palantir's way of saying "this API is not available on this host".
        return Response(status_code=404)
    if error.status_code == 405:
        allowed = (error.headers or {}).get("Allow", "")
        return EmulatorError.of(
            METHOD_NOT_ALLOWED,
            {
                "method": request.method,
                "allowed": allowed,
                "reason": f"{request.method} is not served here; use {allowed}",
            },
            headers={"Allow": allowed},
        ).response()
    return EmulatorError(error.status_code, "HttpError", {"reason": error.detail}).response()


async def _internal_error(request: Request, error: Exception) -> Response:
    return EmulatorError.of(INTERNAL, {"reason": type(error).__name__}).response()


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
        status: int | None = None
        disconnected = False
        state = scope.setdefault("state", {})

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except ClientDisconnect:
            # The caller hung up while sending: nothing to answer, and no error of ours.
            disconnected = True
        except Exception:
            status = 500  # answered by the server-error handler outside this middleware
            raise
        finally:
            fault = state.get(FAULT_STATE)
            if disconnected:
                shown = "499 (client disconnected)"
            elif status is None:
                shown = "000 (no answer: connection closed)"  # the drop-after-commit fault
            else:
                shown = str(status)
            logger.info(
                "%s %s %s caller=%s %.1fms%s",
                scope["method"],
                scope["path"],
                shown,
                state.get("caller") or "-",
                (time.perf_counter() - started) * 1000,
                f" fault={fault.kind}" if fault is not None else "",
            )


def create_app(
    directory: Directory,
    store: MessageStore,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    issuer: TokenIssuer | None = None,
    source_ids: str = DEFAULT_SOURCE_ID_MODE,
    admin_token: str | None = None,
    faults: FaultPlan | None = None,
) -> Starlette:
    """The emulator as an ASGI app serving ``directory``, storing into ``store``.

    Args:
        directory: markings, groups, users and OAuth2 clients.
        store: where accepted messages go (closing it is the caller's job).
        max_body_bytes: larger request bodies are answered with 413.
        token_lifetime_seconds: lifetime of tokens from the OAuth2 token endpoint.
        issuer: a :class:`TokenIssuer` to use instead (e.g. with a test clock).
        source_ids: ``honour``, ``ignore`` or ``reject`` a caller-chosen sourceId.
        admin_token: the bearer token of ``/emulator/messages``; ``None``: a random one
            (read it from ``app.state.emulator.admin_token``).
        faults: a :class:`~gotham_inbox.emulator.faults.FaultPlan` for the send endpoint;
            ``None``: no faults (``app.state.faults`` is then an empty plan to add rules to).
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
            OAuthError: _oauth_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
    )
    # "/api/.../messages/" is not the endpoint: 404, never a redirect built from the Host header.
    app.router.redirect_slashes = False
    app.state.emulator = EmulatorConfig(
        directory=directory,
        store=store,
        issuer=issuer if issuer is not None else TokenIssuer(token_lifetime_seconds),
        max_body_bytes=max_body_bytes,
        source_ids=mode,
        admin_token=admin_token or "emu-admin-" + secrets.token_urlsafe(24),
    )
    app.state.faults = faults if faults is not None else FaultPlan()
    app.add_middleware(FaultMiddleware, plan=app.state.faults, path=SEND_PATH)
    app.add_middleware(RequestLogMiddleware)  # outermost: faulted requests are logged too
    return app

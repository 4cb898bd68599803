"""The ``gotham`` resource provider plugin: the dynamic providers' core for every language.

A dynamic provider serves Python programs only (pulumi/pulumi#13977). This module serves the
same two resources, ``gotham:index:InboxMessage`` and ``gotham:index:InboxMessageBatch``, as a
Pulumi resource provider plugin over gRPC (Pulumi's experimental provider API), so YAML,
TypeScript, Go, ... programs can declare them. It is a second front door to one core: check,
diff, create (with adoption), the outcome rules, the settings and the redaction are those of
:class:`~gotham_inbox.providers.provider.InboxMessageProvider` and
:class:`~gotham_inbox.providers.provider.InboxMessageBatchProvider`, called from here.

What the plugin adds is what a Python program does for the dynamic provider:

- Check derives a missing sourceId (:func:`gotham_inbox.source_ids.with_source_id`) from the
  URN's project, stack and resource name, the content and the message's index, keyed by
  ``gotham:sourceIdSalt``: the same ids a Python program of that name derives;
- settings arrive as provider config (``gotham:*``, Configure); the engine keeps that config
  in the state as the provider resource's inputs and outputs, the secret settings (credentials,
  salt, proxy) encrypted; secret inputs stay secret in the outputs derived from them;
- a failure reaches the engine as one message (the SDK's server would append its traceback).

Installed as the console script ``pulumi-resource-gotham`` (:func:`main`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import uuid
from collections.abc import Awaitable, Callable, Mapping
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import grpc
import grpc.aio
from pulumi.dynamic import ResourceProvider
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from gotham_inbox.cli import exit_codes
from gotham_inbox.errors import ConfigurationError
from gotham_inbox.providers.plugin_schema import BATCH_TOKEN, MESSAGE_TOKEN, PACKAGE, schema_json
from gotham_inbox.providers.provider import (
    InboxMessageBatchProvider,
    InboxMessageProvider,
    InboxProviderError,
)
from gotham_inbox.providers.settings import (
    SETTINGS,
    ProviderSettings,
    parse_scopes,
    unknown_setting_problems,
)
from gotham_inbox.source_ids import SOURCE_ID_KEY, with_source_id
from gotham_inbox.unknowns import UNKNOWN_STRING, unknown_paths

_SECRET_CONFIG = frozenset(
    setting.config_key.split(":", 1)[1] for setting in SETTINGS if setting.secret
)
"""Provider config keys kept secret in the provider's state even when set without --secret:
the settings marked :attr:`~gotham_inbox.providers.settings.Setting.secret`, as the schema's."""

_ENGINE_PROVIDER_INPUTS = frozenset({"version", "pluginDownloadURL"})
"""Inputs the engine itself gives a provider resource beside the stack's ``gotham:*`` keys."""

_DERIVED_FROM_CONTENT = (
    "message",
    "messages",
    "recipients",
    SOURCE_ID_KEY,
    "sourceIds",
    "requestedSourceId",
    "requestedSourceIds",
)
"""Outputs made from the message(s): secret whenever an input was (a sourceId hashes it)."""


def plugin_version() -> str:
    """The installed gotham-inbox version: the plugin's version."""
    try:
        return version("gotham-inbox")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


def to_python(value: PropertyValue) -> Any:
    """A property value as plain data (secrets unwrapped; whole numbers as ints, since
    Pulumi sends every number as a float)."""
    inner = value.value
    if isinstance(inner, Mapping):
        return {key: to_python(item) for key, item in inner.items()}
    if isinstance(inner, tuple):  # how a PropertyValue holds a list
        return [to_python(item) for item in inner]
    if isinstance(inner, float) and inner.is_integer():
        return int(inner)
    return inner


def to_property(value: Any, secret: bool = False) -> PropertyValue:
    """Plain data as a property value, secret at the top when ``secret``."""
    if isinstance(value, Mapping):
        converted = PropertyValue({str(key): to_property(item) for key, item in value.items()})
    elif isinstance(value, list | tuple):
        converted = PropertyValue([to_property(item) for item in value])
    elif isinstance(value, int) and not isinstance(value, bool):
        converted = PropertyValue(float(value))
    else:
        converted = PropertyValue(value)
    return converted.with_secret(True) if secret else converted


def _properties(values: dict[str, Any], secret: bool) -> dict[str, PropertyValue]:
    return {
        key: to_property(item, secret and key in _DERIVED_FROM_CONTENT)
        for key, item in values.items()
    }


def _urn_parts(urn: str) -> tuple[str, str, str]:
    """Project, stack and resource name of ``urn:pulumi:STACK::PROJECT::TYPE::NAME``."""
    head, project, _type, name = urn.split("::", 3)
    return project, head.rsplit(":", 1)[-1], name


class GothamProvider(api.Provider):
    """The plugin's provider: converts the protocol's values and calls the dynamic providers."""

    def __init__(self) -> None:
        self._cores: dict[str, ResourceProvider] = {
            MESSAGE_TOKEN: InboxMessageProvider(),
            BATCH_TOKEN: InboxMessageBatchProvider(),
        }
        self._settings = ProviderSettings.resolve({}, os.environ)

    @property
    def settings(self) -> ProviderSettings:
        """The configured settings (environment only until Configure)."""
        return self._settings

    def _core(self, type_token: str) -> InboxMessageProvider | InboxMessageBatchProvider:
        core = self._cores.get(type_token.rsplit("$", 1)[-1])
        if not isinstance(core, InboxMessageProvider | InboxMessageBatchProvider):
            raise InboxProviderError(
                f"the gotham provider has no resource type {type_token}; it serves "
                f"{MESSAGE_TOKEN} and {BATCH_TOKEN}"
            )
        return core

    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        """The package schema (:mod:`gotham_inbox.providers.plugin_schema`)."""
        return api.GetSchemaResponse(schema=schema_json(plugin_version()))

    async def check_config(self, request: api.CheckRequest) -> api.CheckResponse:
        """Report a ``gotham:sourceIds`` or ``gotham:scopes`` that no send could use and a
        ``gotham:*`` key that is no setting (with "did you mean"), and keep credentials secret
        in the provider's state even when set without ``--secret``."""
        news = request.new_inputs
        config = {key: to_python(value) for key, value in news.items()}
        candidate = ProviderSettings.resolve(
            {f"{PACKAGE}:{key}": value for key, value in config.items()}, os.environ
        )
        failures = []
        try:
            candidate.source_id_policy()
        except ConfigurationError as error:
            failures.append(api.CheckFailure("sourceIds", candidate.redact(str(error))))
        try:
            parse_scopes(candidate.scopes)
        except ConfigurationError as error:
            failures.append(api.CheckFailure("scopes", candidate.redact(str(error))))
        # A misspelt key (hostnme) would be ignored and the first error would come at `up`.
        for problem in unknown_setting_problems(
            f"{PACKAGE}:{key}" for key in config if key not in _ENGINE_PROVIDER_INPUTS
        ):
            failures.append(api.CheckFailure("", problem))
        inputs = {
            key: value.with_secret(True) if key in _SECRET_CONFIG else value
            for key, value in news.items()
        }
        return api.CheckResponse(inputs=inputs, failures=failures)

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        """Settings from the provider config (``gotham:*``), ``GOTHAM_*`` variables as
        fallbacks: the same resolution as the dynamic provider's ``configure``."""
        args = {key: to_python(value) for key, value in request.args.items()}

        def lookup(key: str) -> Any:
            if key in request.variables:
                return request.variables[key]
            return args.get(key.split(":", 1)[1])

        self._settings = ProviderSettings.resolve(lookup, os.environ)
        for core in self._cores.values():
            core.use_settings(self._settings)  # type: ignore[attr-defined]
        return api.ConfigureResponse(accept_secrets=True, supports_preview=True)

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        """Derive missing sourceIds, then the dynamic provider's checks."""
        core = self._core(request.type)
        project, stack, name = _urn_parts(request.urn)
        salt = self._settings.source_id_salt
        secret = any(value.contains_secret() for value in request.new_inputs.values())
        news = {key: to_python(value) for key, value in request.new_inputs.items()}

        def identified(message: Any, index: int | None) -> Any:
            if (
                isinstance(message, dict)
                and message.get(SOURCE_ID_KEY) is None
                and unknown_paths(message)
            ):
                # Not known until the deployment runs: nor is the id derived from it.
                return {**message, SOURCE_ID_KEY: UNKNOWN_STRING}
            return with_source_id(message, project, stack, name, index, salt)

        if isinstance(core, InboxMessageProvider):
            if "message" in news:
                news["message"] = identified(news["message"], None)
        elif isinstance(news.get("messages"), list):
            news["messages"] = [
                identified(item, index) for index, item in enumerate(news["messages"])
            ]
        result = core.check({}, news)
        return api.CheckResponse(
            inputs=_properties(news, secret),
            failures=[api.CheckFailure(f.property, f.reason) for f in result.failures],
        )

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        """Replace when what would be sent changes (the dynamic provider's diff)."""
        core = self._core(request.type)
        olds = {key: to_python(value) for key, value in request.old_state.items()}
        news = {key: to_python(value) for key, value in request.new_inputs.items()}
        result = core.diff(request.resource_id, olds, news)
        replaces = list(result.replaces or [])
        return api.DiffResponse(
            changes=bool(result.changes),
            replaces=replaces,
            diffs=replaces,
            delete_before_replace=bool(result.delete_before_replace),
            detailed_diff={
                key: api.PropertyDiff(api.PropertyDiffKind.UPDATE_REPLACE, True) for key in replaces
            },
        )

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        """Send (the dynamic provider's create, in a worker thread so that creates run in
        parallel); in a preview, the outputs known before sending."""
        core = self._core(request.type)
        secret = any(value.contains_secret() for value in request.properties.values())
        props = {key: to_python(value) for key, value in request.properties.items()}
        if request.preview:
            return api.CreateResponse(properties=_properties(self._previewed(props), secret))
        result = await asyncio.to_thread(core.create, props)
        # Pulumi cannot keep a resource id secret, and the id the core gives is the sourceId
        # (or made from them), which hashes the content: a secret message's id is random, and
        # its sourceId output, secret, stays the real one. Nothing reads the id back (delete
        # forgets, read keeps the state, adoption goes by sourceId).
        resource_id = str(uuid.uuid4()) if secret else result.id
        return api.CreateResponse(
            resource_id=resource_id, properties=_properties(dict(result.outs or {}), secret)
        )

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        """Keep the recorded state (Gotham cannot read a message back); refuse ``pulumi
        import``, which has none, instead of recording an empty resource."""
        props = {key: to_python(value) for key, value in request.properties.items()}
        self._core(request.type).read(request.resource_id, props)
        return api.ReadResponse(
            resource_id=request.resource_id, properties=request.properties, inputs=request.inputs
        )

    def _previewed(self, props: dict[str, Any]) -> dict[str, Any]:
        # What a preview knows; the rest is left out: the SDK's marshalling has no unknowns.
        # (Unknown parts of the inputs travel on as the engine's own sentinel strings.)
        known: dict[str, Any] = {"hostname": self._settings.hostname}
        if "message" in props:
            message = props["message"]
            known["message"] = message
            if isinstance(message, dict):
                known["requestedSourceId"] = message.get(SOURCE_ID_KEY)
        else:
            messages = props.get("messages")
            known["messages"] = messages
            if isinstance(messages, list) and all(isinstance(m, dict) for m in messages):
                known["requestedSourceIds"] = [item.get(SOURCE_ID_KEY) for item in messages]
        return known

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        """Never called: every change replaces (the dynamic provider's update says so)."""
        core = self._core(request.type)
        core.update(request.resource_id, {}, {})
        raise AssertionError("unreachable: update always raises")  # pragma: no cover

    async def delete(self, request: api.DeleteRequest) -> None:
        """Forget the resource: Gotham messages cannot be recalled."""
        self._core(request.type).delete(request.resource_id, {})


Handler = Callable[[Any, Any, Any], Awaitable[Any]]


def _one_message(method: Handler) -> Handler:
    """The SDK servicer's ``method``, whose failure reaches the engine as one message.

    The SDK re-raises a provider's exception with its traceback appended; the exception the
    provider raised is that one's ``__context__``. Its text alone is the message.
    """

    async def handler(self: GothamServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except NotImplementedError:
            raise
        except Exception as error:
            original = error.__context__ if error.__context__ is not None else error
            if isinstance(original, InboxProviderError):
                text = str(original)
            else:
                text = f"gotham provider: unexpected {type(original).__name__}: {original}"
            await context.abort(grpc.StatusCode.UNKNOWN, self.provider.settings.redact(text))

    return handler


class GothamServicer(ProviderServicer):
    """The SDK's gRPC servicer of a provider, failures answered as one clear message."""

    def __init__(self, provider: GothamProvider, engine_address: str) -> None:
        super().__init__([], plugin_version(), provider, engine_address)
        self.provider = provider

    Check = _one_message(ProviderServicer.Check)
    CheckConfig = _one_message(ProviderServicer.CheckConfig)
    Configure = _one_message(ProviderServicer.Configure)
    Diff = _one_message(ProviderServicer.Diff)
    Create = _one_message(ProviderServicer.Create)
    Read = _one_message(ProviderServicer.Read)
    Update = _one_message(ProviderServicer.Update)
    Delete = _one_message(ProviderServicer.Delete)
    GetSchema = _one_message(ProviderServicer.GetSchema)


async def serve(engine_address: str, announce: Callable[[int], None]) -> None:
    """Serve the plugin on a free local port until terminated; ``announce`` gets the port."""
    server = grpc.aio.server()
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(
        GothamServicer(GothamProvider(), engine_address), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    announce(port)
    await server.wait_for_termination()


def main() -> None:
    """``pulumi-resource-gotham ENGINE_ADDRESS [flags]``: what the engine runs.

    The engine gives its address last and reads the port from the first line of stdout; its
    flags before the address (``--logtostderr``, ``-v=N``, ``--tracing ADDR``) are ignored.
    """
    arguments = sys.argv[1:]
    if not arguments or arguments[-1].startswith("-"):
        sys.stderr.write(
            "pulumi-resource-gotham is the gotham Pulumi provider plugin, started by the "
            "Pulumi engine (a program declaring gotham:index:InboxMessage); it is not run "
            "by hand.\n"
        )
        raise SystemExit(exit_codes.BAD_INPUT)

    def announce(port: int) -> None:
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()

    with contextlib.suppress(KeyboardInterrupt):  # the engine stops plugins with a signal
        asyncio.run(serve(arguments[-1], announce))

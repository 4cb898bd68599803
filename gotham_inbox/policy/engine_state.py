"""What the engine tells the running pack: the stack (ConfigureStack) and config (Configure).

The engine sends ``ConfigureStack`` to every analyzer with the stack, project, organization,
the stack's config (namespaced keys, secrets decrypted) and which of its keys are secret.
pulumi_policy 1.21's servicer keeps only the stack's tags from it, and the environment variables
``PULUMI_STACK``/``PULUMI_CONFIG`` are not set for an executable pack (nor reliably for a pack a
language host starts). So the pack serves with :class:`StackAwareServicer`, a subclass that also
records the stack context, and the config of every policy from ``Configure``, where the pack's
wrappers read them. The environment is the fallback only while no ``ConfigureStack`` came.

``Configure`` also validates every policy's properties: a bad config is refused there, with the
same text ``gotham-inbox check`` prints, so the engine stops before it analyzes anything.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import grpc
import pulumi_policy.policy
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from gotham_inbox.policy.inbox_resource import CALLER_REALM_KEY, StackContext
from gotham_inbox.policy.pack_config import ResolvedPolicy, resolve_pack_config
from gotham_inbox.policy.properties import PolicyConfigError
from gotham_inbox.policy.registry import POLICIES
from gotham_inbox.policy.violation import EnforcementLevel

_LEVELS_BY_WIRE = {
    analyzer_pb2.ADVISORY: EnforcementLevel.ADVISORY,
    analyzer_pb2.MANDATORY: EnforcementLevel.MANDATORY,
    analyzer_pb2.DISABLED: EnforcementLevel.DISABLED,
    analyzer_pb2.REMEDIATE: EnforcementLevel.REMEDIATE,
}


def plain_config(config: Mapping[str, str], secret_keys: Iterable[str]) -> dict[str, str]:
    """The stack config without its secret values (all the policies may ever see)."""
    secret = frozenset(secret_keys)
    return {key: value for key, value in config.items() if key not in secret}


def context_from_configure_stack(request: Any) -> StackContext:
    """The stack context an ``AnalyzerStackConfigureRequest`` describes, secrets left out."""
    return StackContext(
        stack=request.stack or None,
        config=plain_config(dict(request.config), request.config_secret_keys),
        project=request.project or None,
        organization=request.organization or None,
    )


def context_from_environment(environ: Mapping[str, str] | None = None) -> StackContext:
    """The stack context from ``PULUMI_STACK``/``PULUMI_CONFIG``, where that is all there is.

    Secret keys are marked there only by ``PULUMI_CONFIG_SECRET_KEYS`` (when at all), so of the
    config only the key the rules read is kept, and not even that one when it is marked secret.
    """
    environ = os.environ if environ is None else environ
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
        secret_keys = json.loads(environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    except json.JSONDecodeError:
        config, secret_keys = {}, []
    if not isinstance(config, dict):
        config = {}
    if not isinstance(secret_keys, list):
        secret_keys = list(config)  # unreadable: trust nothing
    kept = {
        key: value
        for key, value in config.items()
        if key == CALLER_REALM_KEY and isinstance(value, str) and key not in secret_keys
    }
    return StackContext(
        stack=environ.get("PULUMI_STACK") or None,
        config=kept,
        project=environ.get("PULUMI_PROJECT") or None,
        organization=environ.get("PULUMI_ORGANIZATION") or None,
    )


def settings_from_configure(request: Any) -> dict[str, ResolvedPolicy]:
    """Every policy's settings from a ``ConfigureAnalyzerRequest``; :class:`PolicyConfigError`.

    The CLI sends every policy with its resolved level and properties (schema defaults filled
    in); a policy it leaves out keeps its own level and default properties, as in the pack.
    """
    resolved = resolve_pack_config(None)
    problems = []
    for spec in POLICIES:
        if spec.name not in request.policyConfig:
            continue
        entry = request.policyConfig[spec.name]
        properties = json_format.MessageToDict(entry.properties)
        level = _LEVELS_BY_WIRE.get(entry.enforcementLevel, EnforcementLevel.ADVISORY)
        try:
            config = spec.parse_properties(properties)
        except PolicyConfigError as error:
            problems.append(str(error).removeprefix("invalid policy config: "))
            continue
        resolved[spec.name] = ResolvedPolicy(level, properties, config)
    if problems:
        raise PolicyConfigError(f"invalid policy config: {'; '.join(problems)}")
    return resolved


@dataclass
class EngineState:
    """What the engine has told this pack process so far."""

    stack: StackContext | None = None
    settings: dict[str, ResolvedPolicy] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def context(self) -> StackContext:
        """The stack context for a rule: ConfigureStack's, else the environment's, with the
        parsed config of every enabled policy."""
        with self._lock:
            stack = self.stack if self.stack is not None else context_from_environment()
            if self.settings is None:
                self.settings = resolve_pack_config(None)
            settings = self.settings
        enabled = {
            name: policy.config
            for name, policy in settings.items()
            if policy.level is not EnforcementLevel.DISABLED
        }
        return replace(stack, policies=enabled)


STATE = EngineState()
"""The state of the pack process (one process serves one stack's run)."""


class StackAwareServicer(pulumi_policy.policy._PolicyAnalyzerServicer):
    """pulumi_policy's analyzer servicer, keeping what ConfigureStack and Configure say."""

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        STATE.stack = context_from_configure_stack(request)
        return super().ConfigureStack(request, context)

    def Configure(self, request: Any, context: Any) -> Any:
        try:
            settings = settings_from_configure(request)
        except PolicyConfigError as error:
            # The CLI reports this and stops; the text names the policy and the property.
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
        STATE.settings = settings
        return super().Configure(request, context)  # type: ignore[no-untyped-call]


def install() -> None:
    """Make ``PolicyPack(...)`` serve with :class:`StackAwareServicer` (idempotent).

    ``PolicyPack.__init__`` builds its servicer from the module global
    ``pulumi_policy.policy._PolicyAnalyzerServicer``; the pack calls this before it.
    """
    pulumi_policy.policy._PolicyAnalyzerServicer = StackAwareServicer  # type: ignore[misc]

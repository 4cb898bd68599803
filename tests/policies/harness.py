"""The harness of the policy tests: a case's violations through ``evaluate`` (what ``check``
runs), and the real pack started as Pulumi's policy host starts it and driven over gRPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from gotham_inbox.policy import EnforcementLevel, InboxResource, evaluate
from gotham_inbox.policy.pack_config import ResolvedPolicy
from tests.policies.builders import PACK_DIR, PROJECT
from tests.policies.cases.case import Case, Reported


def reported_by_evaluate(case: Case) -> list[Reported]:
    """The case's violations through the pure functions (what ``check`` runs)."""
    return [
        Reported(v.policy, v.level.value, v.urn, v.text)
        for v in evaluate(case.resources, case.settings(), case.context)
    ]


# --- driving the real pack over gRPC, as the engine does ------------------------------------

_WIRE_LEVELS = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
}
LEVEL_NAMES_BY_WIRE = {wire: level.value for level, wire in _WIRE_LEVELS.items()}


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct, as the engine sends properties."""
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


def configure_request(
    settings: Mapping[str, ResolvedPolicy],
) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """Configure as the Pulumi CLI sends it: every policy, its resolved level and properties."""
    return analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={
            name: analyzer_pb2.PolicyConfig(
                enforcementLevel=_WIRE_LEVELS[policy.level],
                properties=struct(policy.properties),
            )
            for name, policy in settings.items()
        }
    )


class Analyzer:
    """The pack started as Pulumi's Python policy host starts it, driven over gRPC.

    Like the engine, it tells the pack the stack in ``ConfigureStack`` (``via="protocol"``),
    and the pack's environment holds no stack. ``via="environment"`` instead starts the pack
    with ``PULUMI_STACK``/``PULUMI_CONFIG`` and never calls ``ConfigureStack``: the fallback.
    """

    def __init__(
        self,
        stack: str,
        config: Mapping[str, str],
        *,
        via: str = "protocol",
        secret_keys: Sequence[str] = (),
        python: str | Path = sys.executable,
        pack_dir: Path = PACK_DIR,
    ) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
        if via == "environment":
            env.update(
                PULUMI_CONFIG=json.dumps(dict(config)),
                PULUMI_PROJECT=PROJECT,
                PULUMI_STACK=stack,
                PULUMI_DRY_RUN="true",
                PULUMI_ORGANIZATION="organization",
            )
        # What pulumi-analyzer-policy-python runs: python -u -m pulumi.policy <engine> <pack dir>
        self.process = subprocess.Popen(
            [str(python), "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
            cwd=pack_dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        first_line = self.process.stdout.readline().decode().strip()
        if not first_line.isdigit():
            self.process.kill()
            _, errors = self.process.communicate()
            raise RuntimeError(f"the pack did not start: {first_line!r} {errors.decode()}")
        self.channel = grpc.insecure_channel(f"127.0.0.1:{first_line}")
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        if via == "protocol":
            self.configure_stack(stack, config, secret_keys)

    def configure_stack(
        self, stack: str, config: Mapping[str, str], secret_keys: Sequence[str] = ()
    ) -> None:
        """``ConfigureStack`` as the engine sends it before it analyzes anything."""
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=stack,
                project=PROJECT,
                organization="organization",
                dry_run=True,
                config=dict(config),
                config_secret_keys=list(secret_keys),
            )
        )

    def info(self) -> Any:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, settings: Mapping[str, ResolvedPolicy]) -> None:
        self.stub.Configure(configure_request(settings))

    @staticmethod
    def _request_resource(resource: InboxResource) -> dict[str, Any]:
        return {
            "type": resource.type,
            "properties": struct(resource.inputs),
            "urn": resource.urn,
            "name": resource.name,
        }

    def analyze(self, resource: InboxResource) -> list[Any]:
        request = analyzer_pb2.AnalyzeRequest(**self._request_resource(resource))
        return list(self.stub.Analyze(request).diagnostics)

    def analyze_stack(self, resources: Sequence[InboxResource]) -> list[Any]:
        request = analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(**self._request_resource(resource))
                for resource in resources
            ]
        )
        return list(self.stub.AnalyzeStack(request).diagnostics)

    def report(
        self, resources: Sequence[InboxResource], settings: Mapping[str, ResolvedPolicy]
    ) -> list[Reported]:
        """Configure, Analyze each resource, AnalyzeStack: what the engine would show."""
        self.configure(settings)
        found: list[Reported] = []
        for resource in resources:
            found.extend(_reported(item, resource.urn) for item in self.analyze(resource))
        found.extend(_reported(item, item.urn) for item in self.analyze_stack(resources))
        return found

    def close(self) -> None:
        self.channel.close()
        self.process.kill()
        self.process.communicate()


def _reported(diagnostic: Any, resource_urn: str) -> Reported:
    # The message is the policy's description, a newline, then what the rule reported.
    description, _, text = diagnostic.message.partition("\n")
    assert description == diagnostic.description
    return Reported(
        diagnostic.policyName,
        LEVEL_NAMES_BY_WIRE[diagnostic.enforcementLevel],
        diagnostic.urn or resource_urn,
        text,
    )


class AnalyzerPool:
    """Packs started on demand, one per stack setup, shared by the tests that ask for it.

    The engine tells a pack its stack and config once, in ``ConfigureStack``, so one process
    serves every test with the same stack setup; each test configures it afresh.
    """

    def __init__(self, *, python: str | Path = sys.executable, pack_dir: Path = PACK_DIR) -> None:
        self.python = python
        self.pack_dir = pack_dir
        self.started: dict[tuple[str, tuple[tuple[str, str], ...]], Analyzer] = {}

    def get(self, stack: str = "dev", config: Mapping[str, str] | None = None) -> Analyzer:
        """The pack as the engine starts it for ``stack`` with ``config``."""
        key = (stack, tuple(sorted((config or {}).items())))
        if key not in self.started:
            self.started[key] = Analyzer(
                stack, config or {}, python=self.python, pack_dir=self.pack_dir
            )
        return self.started[key]

    def close(self) -> None:
        for analyzer in self.started.values():
            analyzer.close()

"""3. The policy pack through the real analyzer: AnalyzeStack over 1,000 resources.

The pack is started the way ``pulumi-analyzer-policy-python`` starts it (``python -u -m
pulumi.policy <engine> <pack dir>``) and driven over gRPC: Configure with the config generated
from the example directory, then AnalyzeStack with 1,000 ``InboxMessage`` resources. For scale,
the same resources also go through Analyze, one call each (what the engine does per resource
during a preview), and through ``evaluate()`` in this process (the same rules, no gRPC).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dill
import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from bench import workload
from bench.report import Section, Target
from bench.timing import side_by_side
from gotham_inbox.policy import EnforcementLevel, InboxResource, ResolvedPolicy, evaluate
from gotham_inbox.providers.provider import InboxMessageProvider

NAME = "analyzer"
RESOURCES = 1_000
MAX_SECONDS = 2.0
PACK_DIR = Path(__file__).resolve().parents[1] / "policies"

_WIRE_LEVELS = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
}


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


@contextmanager
def running_pack() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The pack as the Python policy host starts it for stack ``dev``, and a stub to it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    env.update(
        PULUMI_CONFIG=json.dumps({"gotham:realm": workload.REALM}),
        PULUMI_PROJECT=workload.PROJECT,
        PULUMI_STACK=workload.STACK,
        PULUMI_DRY_RUN="true",
        PULUMI_ORGANIZATION="organization",
    )
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=PACK_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    port = process.stdout.readline().decode().strip()
    if not port.isdigit():
        process.kill()
        raise RuntimeError(f"the policy pack did not start: {port!r}")
    channel = grpc.insecure_channel(
        f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)]
    )
    try:
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        channel.close()
        process.kill()
        process.communicate()


def configure(stub: analyzer_pb2_grpc.AnalyzerStub, settings: Mapping[str, ResolvedPolicy]) -> None:
    """Configure as the Pulumi CLI does: every policy with its resolved level and properties."""
    stub.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=_WIRE_LEVELS[policy.level],
                    properties=_struct(policy.properties),
                )
                for name, policy in settings.items()
            }
        )
    )


def _engine_properties(resource: InboxResource, provider: str) -> struct_pb2.Struct:
    # What the engine sends: the resource's inputs, the serialised provider included.
    return _struct({**resource.inputs, "__provider": provider})


def run(quick: bool = False) -> Section:
    """Run benchmark 3."""
    started = time.perf_counter()
    repeats = 3 if quick else 7
    section = Section(
        3,
        "The policy pack through the real analyzer",
        f"{RESOURCES:,} `InboxMessage` resources (generated messages, clean) sent to the pack "
        "started by `python -u -m pulumi.policy` as the Pulumi CLI's Python policy host does, "
        "configured with the config generated from the example directory. AnalyzeStack runs "
        "the pack's stack rule (`inbox-batch-atomicity`, sourceIds across the stack) over all "
        "resources; Analyze runs every resource rule on one resource, so the engine calls it "
        f"once per resource. The three alternate, {repeats} runs each; medians.",
        ("what", "median s", "runs s", "resources/s", "vs evaluate() in process"),
    )
    settings = workload.pack_settings()
    context = workload.stack_context()
    resources = workload.resources(workload.messages(RESOURCES, seed=4), 1)
    provider = base64.b64encode(dill.dumps(InboxMessageProvider())).decode()
    analyzed = [
        analyzer_pb2.AnalyzerResource(
            type=resource.type,
            properties=_engine_properties(resource, provider),
            urn=resource.urn,
            name=resource.name,
        )
        for resource in resources
    ]
    stack_request = analyzer_pb2.AnalyzeStackRequest(resources=analyzed)
    single_requests = [
        analyzer_pb2.AnalyzeRequest(
            type=item.type, properties=item.properties, urn=item.urn, name=item.name
        )
        for item in analyzed
    ]
    with running_pack() as stub:
        configure(stub, settings)
        found = list(stub.AnalyzeStack(stack_request).diagnostics)
        found += [item for request in single_requests for item in stub.Analyze(request).diagnostics]
        if found:
            raise RuntimeError(f"the bench resources are not clean: {found[0].message}")
        samples = side_by_side(
            {
                "AnalyzeStack (1 call)": lambda _: stub.AnalyzeStack(stack_request),
                "Analyze (1 call per resource)": lambda _: [
                    stub.Analyze(request) for request in single_requests
                ],
                "evaluate() in process, every policy": lambda _: evaluate(
                    [InboxResource(r.type, r.urn, r.name, r.inputs) for r in resources],
                    settings,
                    context,
                ),
            },
            repeats,
        )
    in_process = samples["evaluate() in process, every policy"].median
    for label, measured in samples.items():
        section.rows.append(
            (
                label,
                f"{measured.median:.3f}",
                measured.spread,
                f"{RESOURCES / measured.median:,.0f}",
                f"{measured.median / in_process:.1f}x",
            )
        )
    stack_seconds = samples["AnalyzeStack (1 call)"].median
    section.targets.append(
        Target(
            f"AnalyzeStack over {RESOURCES:,} resources under {MAX_SECONDS:g} s",
            f"{stack_seconds:.3f} s",
            stack_seconds < MAX_SECONDS,
        )
    )
    section.seconds = time.perf_counter() - started
    return section

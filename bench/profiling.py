"""``python -m bench --profile NAME``: where the time of a benchmark's hot path goes.

Runs the hot path once under pyinstrument (``pip install -e '.[bench]'``) and prints its call
tree. This is how each missed target was looked into; see the notes in BENCHMARKS.md.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import check_cli, workload


def _profiler() -> Any:
    # Imported by name: pyinstrument is an optional extra, and the linters run without it.
    try:
        pyinstrument = importlib.import_module("pyinstrument")
    except ImportError:
        raise SystemExit("profiling needs pyinstrument: pip install -e '.[bench]'") from None
    return pyinstrument.Profiler(interval=0.0005)


def profile_policy() -> None:
    """Benchmark 1's hot path: ``evaluate`` on 10,000 InboxMessage resources."""
    from gotham_inbox.policy import evaluate

    settings, context = workload.pack_settings(), workload.stack_context()
    resources = workload.resources(workload.messages(10_000, seed=1), 1)
    profiler = _profiler()
    profiler.start()
    evaluate(resources, settings, context)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


def profile_check() -> None:
    """Benchmark 2's hot path: the program declaring 1,000 InboxMessage resources, under mocks
    (the run ``check``'s child makes, here in this process, where the profiler is)."""
    from gotham_inbox.check.preview import ProgramSession
    from gotham_inbox.check.project import load_project

    with tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-profile-") as scratch:
        messages = workload.messages(check_cli.MESSAGES, seed=3, source_ids=False)
        project = check_cli.write_project(
            Path(scratch, "project"), check_cli.SINGLE_PROGRAM, messages
        )
        stack = load_project(project)
        setup, request = map(json.loads, check_cli.collect_request(stack).splitlines())
        os.chdir(project)
        session = ProgramSession(setup)
        profiler = _profiler()
        profiler.start()
        session.run(request)
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


def profile_provider() -> None:
    """Benchmark 6's hot path: 50 creates through the provider object, to the emulator."""
    from bench.served import served_emulator
    from gotham_inbox.providers.provider import InboxMessageProvider
    from gotham_inbox.providers.settings import ProviderSettings
    from gotham_inbox.source_ids import with_source_id

    messages = [
        with_source_id(message, workload.PROJECT, workload.STACK, f"notice-{index}", None)
        for index, message in enumerate(workload.messages(50, seed=9, source_ids=False))
    ]
    with served_emulator() as base_url:
        provider = InboxMessageProvider()
        provider.use_settings(ProviderSettings(hostname=base_url, token=workload.token()))
        profiler = _profiler()
        profiler.start()
        for message in messages:
            provider.create({"message": message})
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


PROFILES: dict[str, Callable[[], None]] = {
    "policy": profile_policy,
    "check": profile_check,
    "provider": profile_provider,
}

"""4. Sending: our client against the official ``gotham-platform-python`` client.

Both send identical batches (the same message dicts, without ``sourceId`` so that neither
ever meets a conflict the other caused) to the same emulator, each with one client object
reused across sends (connection kept alive), alternating send by send. Timed per send; the ratio
is ours / official, so at most 1.0 means ours is no slower.
"""

from __future__ import annotations

import time
from typing import Any

import gotham

from bench import workload
from bench.report import Section, Target
from bench.served import served_emulator
from bench.timing import side_by_side
from gotham_inbox import InboxClient, TokenAuth

NAME = "sending"
BATCH_SIZES = (1, 10, 100, 1_000)
MAX_RATIO = 1.0


def _sends(batch_size: int, quick: bool) -> int:
    # Enough sends that the median is steady, few enough to keep the run short.
    full = {1: 200, 10: 100, 100: 40, 1_000: 10}[batch_size]
    return max(3, full // 4) if quick else full


def _official_client(base_url: str) -> Any:
    return gotham.GothamClient(
        auth=gotham.UserTokenAuth(workload.token()),
        hostname=base_url.removeprefix("http://"),
        config=gotham.Config(scheme="http"),
    )


def run(quick: bool = False) -> Section:
    """Run benchmark 4."""
    started = time.perf_counter()
    section = Section(
        4,
        "Sending: our client vs the official client",
        "`InboxClient.send(batch)` against `gotham.GothamClient(...).inbox.Messages.send("
        "messages=batch, preview=True)`, bearer token of the example `release-bot`, to one "
        "`gotham-inbox emulator` (in-memory store) in its own process. Identical batches of "
        "generated messages; the two clients alternate send by send; medians per send.",
        (
            "batch",
            "sends each",
            "ours median ms",
            "official median ms",
            "ours messages/s",
            "official messages/s",
            "ours / official",
        ),
    )
    ratios: dict[int, float] = {}
    with served_emulator() as base_url:
        ours = InboxClient(base_url, auth=TokenAuth(workload.token()))
        official = _official_client(base_url)
        try:
            for size in BATCH_SIZES:
                batch = workload.messages(size, seed=5, source_ids=False)

                def send_ours(_: object, batch: list[dict[str, Any]] = batch) -> None:
                    answer = ours.send(batch)
                    assert len(answer.responses) == len(batch)

                def send_official(_: object, batch: list[dict[str, Any]] = batch) -> None:
                    answer = official.inbox.Messages.send(messages=batch, preview=True)
                    assert len(answer.responses) == len(batch)

                samples = side_by_side(
                    {"ours": send_ours, "official": send_official}, _sends(size, quick), warmup=2
                )
                mine, theirs = samples["ours"].median, samples["official"].median
                ratios[size] = mine / theirs
                section.rows.append(
                    (
                        f"{size:,}",
                        str(_sends(size, quick)),
                        f"{mine * 1000:.2f}",
                        f"{theirs * 1000:.2f}",
                        f"{size / mine:,.0f}",
                        f"{size / theirs:,.0f}",
                        f"{ratios[size]:.2f}",
                    )
                )
        finally:
            ours.close()
    worst = max(ratios, key=lambda size: ratios[size])
    section.targets.append(
        Target(
            f"ours no slower than the official client at every batch size (ratio <= {MAX_RATIO:g})",
            f"{ratios[worst]:.2f} at the highest (batch {worst:,})",
            ratios[worst] <= MAX_RATIO,
        )
    )
    section.notes.append(
        "Both clients validate every message with pydantic models before sending and parse "
        "the answer into models; the server's time is the same for both, so at larger batches "
        "the ratio tends to 1. The target is met, so this was not profiled further."
    )
    section.seconds = time.perf_counter() - started
    return section

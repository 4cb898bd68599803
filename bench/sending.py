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


PROFILE_NOTE = (
    "Both clients validate every message with pydantic models before sending and parse the "
    "answer into models; the server's part is the same for both, and most of a large send. "
    "A first full run measured ours 1.18x the official client at batch 1,000 (54.3 against "
    "46.2 ms). Profile (pyinstrument, and the client's CPU time per send): ours spent 13.7 ms "
    "of CPU per 1,000-message send against 9.2 ms, in validating the messages one "
    "`parse_message` call at a time, building each message's dict with `to_wire()` and then "
    "encoding them again as JSON, and decoding the answer to Python before validating it. "
    "Fixed in `gotham_inbox/validation.py` (`check_messages` validates a whole batch in one "
    "pydantic-core call and goes message by message only when something is wrong, to name "
    "each problem; the emulator uses it too) and `gotham_inbox/client.py` (the validated "
    "models are serialised to JSON in one `model_dump_json`, the answer read with "
    "`model_validate_json`): 10.1 ms against the official client's 10.3 ms after."
)


def _sends(batch_size: int, quick: bool) -> int:
    # Enough sends that the median is steady, few enough to keep the run short.
    full = {1: 200, 10: 100, 100: 40, 1_000: 20}[batch_size]
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
    section.notes.append(PROFILE_NOTE)
    section.seconds = time.perf_counter() - started
    return section

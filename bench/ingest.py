"""5. Emulator ingest with a file database.

``gotham-inbox emulator --db FILE`` (SQLite file in a temporary directory) in its own process;
1 or 4 concurrent clients, each a thread with its own HTTP connection, post ready-made request
bodies (generated messages, each with its own ``sourceId``) at batch sizes 1 to 1,000. The
clients do as little as possible (bodies are encoded in advance), so the rate is the server's.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench import workload
from bench.report import Section, Target
from bench.served import served_emulator

NAME = "ingest"
BATCH_SIZES = (1, 10, 100, 1_000)
CLIENTS = (1, 4)
TARGET_BATCH = 100
MIN_RATE = 5_000
SCALE = 10
SEND_PATH = "/api/gotham/v1/inbox/messages?preview=true"


def _messages_per_run(batch_size: int, quick: bool) -> int:
    # Each run must last long enough to time, and the whole benchmark stay short.
    full = {1: 400, 10: 2_000, 100: 10_000, 1_000: 20_000}[batch_size]
    return full // 4 if quick else full


class _Bodies:
    """Request bodies with fresh sourceIds: no run ever conflicts with an earlier one."""

    def __init__(self) -> None:
        self._seed = 100

    def make(self, count: int, batch_size: int) -> list[bytes]:
        self._seed += 1
        messages = workload.messages(count, seed=self._seed)
        return [
            json.dumps({"messages": messages[start : start + batch_size]}).encode()
            for start in range(0, count, batch_size)
        ]


def _post_all(base_url: str, bodies: list[bytes], errors: list[str]) -> None:
    headers = {
        "Authorization": f"Bearer {workload.token()}",
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        for body in bodies:
            response = client.post(SEND_PATH, content=body)
            if response.status_code != 200 or response.json()["failures"]:
                errors.append(f"{response.status_code} {response.text[:300]}")
                return


def ingest(base_url: str, bodies: list[bytes], clients: int) -> float:
    """Seconds for ``clients`` threads to post ``bodies`` (split between them) and finish."""
    errors: list[str] = []
    threads = [
        threading.Thread(target=_post_all, args=(base_url, bodies[offset::clients], errors))
        for offset in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"the emulator refused a bench request: {errors[0]}")
    return seconds


def run(quick: bool = False) -> Section:
    """Run benchmark 5."""
    started = time.perf_counter()
    repeats = 1 if quick else 3
    section = Section(
        5,
        "Emulator ingest with a file database",
        "`gotham-inbox emulator --db FILE` in its own process, SQLite file in a temporary "
        "directory, example directory, `release-bot` token. Each run posts fresh messages "
        "(own sourceIds) from 1 or 4 client threads, each with its own keep-alive connection "
        f"and a share of the requests; messages/s = messages / wall time of the run. {repeats} "
        "runs per row; medians. The database keeps everything from earlier rows, in table "
        f"order. The last row sends {SCALE}x the messages of the batch-{TARGET_BATCH} row, "
        "into a database that already holds all earlier rows, to show how the cost grows.",
        ("batch", "clients", "messages per run", "median s", "runs s", "messages/s"),
    )
    rates: dict[tuple[int, int], float] = {}
    bodies = _Bodies()
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-ingest-") as scratch:
        db_path = Path(scratch, "inbox.db")
        with served_emulator(db_path) as base_url:
            for size in BATCH_SIZES:
                for clients in CLIENTS:
                    count = _messages_per_run(size, quick)
                    seconds = sorted(
                        ingest(base_url, bodies.make(count, size), clients) for _ in range(repeats)
                    )
                    median = seconds[len(seconds) // 2]
                    rates[(size, clients)] = count / median
                    section.rows.append(
                        (
                            f"{size:,}",
                            str(clients),
                            f"{count:,}",
                            f"{median:.2f}",
                            f"{seconds[0]:.3g}-{seconds[-1]:.3g}",
                            f"{count / median:,.0f}",
                        )
                    )
            count = _messages_per_run(TARGET_BATCH, quick) * SCALE
            seconds_scaled = ingest(base_url, bodies.make(count, TARGET_BATCH), 1)
            section.rows.append(
                (
                    f"{TARGET_BATCH} ({SCALE}x messages)",
                    "1",
                    f"{count:,}",
                    f"{seconds_scaled:.2f}",
                    "1 run",
                    f"{count / seconds_scaled:,.0f}",
                )
            )
        stored_mb = db_path.stat().st_size / 1e6 if db_path.exists() else 0.0
    for clients in CLIENTS:
        rate = rates[(TARGET_BATCH, clients)]
        section.targets.append(
            Target(
                f"at least {MIN_RATE:,} messages/s at batch {TARGET_BATCH}, {clients} client(s)",
                f"{rate:,.0f} messages/s",
                rate >= MIN_RATE,
            )
        )
    base_rate = rates[(TARGET_BATCH, 1)]
    section.notes.append(
        f"Scaling: {SCALE}x the messages at batch {TARGET_BATCH} ran at "
        f"{count / seconds_scaled / base_rate:.2f}x the rate of the batch-{TARGET_BATCH} row "
        f"(1.00x: the cost per message does not grow). The database file ended at "
        f"{stored_mb:.0f} MB."
    )
    section.notes.append(
        "Small batches are bound by the cost per request (an HTTP round trip, the checks, one "
        "committed SQLite transaction), not per message. Four clients do not raise the rate "
        "here: the emulator is one process, with one event loop and one SQLite connection "
        "behind a lock, and on 2 cores the client threads compete with it for the CPU."
    )
    section.seconds = time.perf_counter() - started
    return section

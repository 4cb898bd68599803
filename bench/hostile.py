"""``python -m bench.hostile``: what one hostile request costs a served emulator.

Posts a body of ~349,000 ``{}`` messages (just under the 1 MiB default body limit) to
``gotham-inbox emulator`` in its own process, and while it is being handled asks for
``/emulator/health`` every 50 ms. Prints, as JSON: how long the hostile request took, the size
of its answer, the server's peak resident memory (``VmHWM``), and the slowest health answer
during the hostile request (how long the event loop was blocked).

``--pythonpath DIR`` serves the emulator from another checkout (e.g. an older commit unpacked
with ``git archive``) to compare before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

SEND = "/api/gotham/v1/inbox/messages?preview=true"
TOKEN = "emu-7c41e9a3f05b2d86"
_LISTENING = re.compile(r"listening on (http://\S+)")


def hostile_body(count: int = 349_000) -> bytes:
    """``{"messages": [{}, {}, ...]}`` with ``count`` empty messages."""
    return b'{"messages":[' + b",".join([b"{}"] * count) + b"]}"


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return -1


def measure(pythonpath: str | None, count: int, directory: str | None = None) -> dict[str, Any]:
    """Serve, send the hostile body, measure."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-hostile-") as scratch:
        log_path = Path(scratch, "emulator.log")
        command = [sys.executable, "-m", "gotham_inbox.cli", "emulator", "--port", "0"]
        if directory:
            command += ["--directory", str(Path(directory).resolve())]
        with log_path.open("wb") as log:
            # cwd: with -m, the current directory comes first on sys.path.
            server = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=scratch
            )
        try:
            base_url = _wait_for_url(server, log_path)
            rss_idle = _peak_rss_kib(server.pid)
            body = hostile_body(count)
            result: dict[str, Any] = {}

            def hostile() -> None:
                started = time.perf_counter()
                response = httpx.post(
                    base_url + SEND,
                    content=body,
                    headers={
                        "Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/json",
                    },
                    timeout=600,
                )
                result["seconds"] = round(time.perf_counter() - started, 3)
                result["status"] = response.status_code
                result["answer_bytes"] = len(response.content)
                result["error_name"] = response.json().get("errorName")

            thread = threading.Thread(target=hostile)
            thread.start()
            slowest_health = 0.0
            health_answers = 0
            with httpx.Client(base_url=base_url, timeout=600) as probe:
                while thread.is_alive():
                    started = time.perf_counter()
                    probe.get("/emulator/health").raise_for_status()
                    slowest_health = max(slowest_health, time.perf_counter() - started)
                    health_answers += 1
                    time.sleep(0.05)
            thread.join()
            result.update(
                body_bytes=len(body),
                messages=count,
                server_peak_rss_mib=round(_peak_rss_kib(server.pid) / 1024, 1),
                server_idle_rss_mib=round(rss_idle / 1024, 1),
                health_answers_meanwhile=health_answers,
                slowest_health_seconds=round(slowest_health, 3),
            )
            return result
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_path.read_text(errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the emulator did not start: {log_path.read_text(errors='replace')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__)
    parser.add_argument("--pythonpath", help="serve the emulator from this checkout")
    parser.add_argument("--messages", type=int, default=349_000)
    parser.add_argument("--directory", help="directory file to serve (e.g. with higher limits)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.pythonpath, args.messages, args.directory), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

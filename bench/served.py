"""The emulator as users run it: ``gotham-inbox emulator`` in a process of its own.

Serving from a separate process keeps the server's work off the benchmark process, as it would
be for a real client and server; its request log goes to a file, as it would go to a terminal.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

_LISTENING = re.compile(r"listening on (http://\S+)")
ADMIN_TOKEN = "bench-admin-token"
"""The served emulator's admin token (GET/DELETE /emulator/messages)."""
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextmanager
def served_emulator(db_path: Path | None = None, timeout: float = 30.0) -> Iterator[str]:
    """Serve the example directory on a free loopback port; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-emulator-") as scratch:
        log_path = Path(scratch, "emulator.log")
        command = [sys.executable, "-m", "gotham_inbox.cli", "emulator", "--port", "0"]
        command += ["--admin-token", ADMIN_TOKEN]
        if db_path is not None:
            command += ["--db", str(db_path)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        try:
            yield _wait_for_url(process, log_path, timeout)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_path.read_text(encoding="utf-8", errors="replace"))
        if found:
            url = found.group(1)
            httpx.get(f"{url}/emulator/health", timeout=10).raise_for_status()
            return url
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the emulator did not start: {log_path.read_text(errors='replace')}")

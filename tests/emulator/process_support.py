"""``gotham-inbox emulator`` as a child process, for the CLI and source-id tests."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
ADMIN_TOKEN = re.compile(r"admin token for GET/DELETE /emulator/messages: (\S+)")


class Emulator:
    """A ``gotham-inbox emulator`` child process and what it logged."""

    def __init__(self, process: subprocess.Popen[str], base_url: str, admin_token: str) -> None:
        self.process = process
        self.base_url = base_url
        self.admin = {"Authorization": f"Bearer {admin_token}"}
        self.log: list[str] = []

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        assert self.process.stderr is not None
        self.log += self.process.stderr.read().splitlines()
        return code


def _read_until_listening(stream: IO[str], seen: list[str]) -> tuple[str, str]:
    """The base URL and the admin token, from the start-up lines."""
    base_url = None
    for line in stream:
        seen.append(line.rstrip("\n"))
        listening = LISTENING.search(line)
        if listening:
            base_url = listening.group(1)
        admin = ADMIN_TOKEN.search(line)
        if admin and base_url:
            return base_url, admin.group(1)
    raise AssertionError("the emulator exited before listening:\n" + "\n".join(seen))


@contextmanager
def emulator_process(*arguments: str) -> Iterator[Emulator]:
    """``gotham-inbox emulator --port 0 ARGUMENTS`` running until the block ends (then killed)."""
    command = [sys.executable, "-m", "gotham_inbox.cli", "emulator", "--port", "0", *arguments]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        seen: list[str] = []
        emulator = Emulator(process, *_read_until_listening(process.stderr, seen))
        emulator.log += seen
        yield emulator
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def run_emulator_command(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``gotham-inbox emulator ARGUMENTS`` run to its end (a refusal, a printout)."""
    return subprocess.run(
        [sys.executable, "-m", "gotham_inbox.cli", "emulator", *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )

"""The machine and the software the numbers were measured on."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from bench.report import table

PACKAGES = (
    "gotham-inbox",
    "gotham-platform-python",
    "pydantic",
    "pydantic-core",
    "httpx",
    "starlette",
    "uvicorn",
    "pulumi",
    "pulumi-policy",
    "grpcio",
    "dill",
)


def _proc_field(path: str, name: str) -> str | None:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def cpu_model() -> str:
    """The CPU model as the kernel names it."""
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"


def memory() -> str:
    """Total memory in GiB."""
    total = _proc_field("/proc/meminfo", "MemTotal")
    if total is None:
        return "unknown"
    kib = int(total.split()[0])
    return f"{kib / 1024 / 1024:.1f} GiB"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def git_revision(repo: Path) -> str:
    """The commit measured, with ``+ local changes`` when the work tree differs from it."""
    try:
        commit = _git(repo, "rev-parse", "--short", "HEAD")
        changed = _git(repo, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + local changes" if changed else commit


def describe(repo: Path, load_before: str, load_after: str) -> str:
    """The machine section of BENCHMARKS.md."""
    machine_rows = [
        ("CPU", cpu_model()),
        ("cores", str(os.cpu_count())),
        ("memory", memory()),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("load average (1, 5, 15 min) before / after", f"{load_before} / {load_after}"),
        ("commit", git_revision(repo)),
    ]
    version_rows = [(package, _version(package)) for package in PACKAGES]
    return "\n\n".join(
        [
            "## Machine and versions",
            table(("", ""), machine_rows),
            table(("package", "version"), version_rows),
        ]
    )

"""What a benchmark reports, and BENCHMARKS.md rendered from it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """A performance target, what was measured against it, and whether it was met."""

    goal: str
    measured: str
    met: bool


@dataclass
class Section:
    """One benchmark: what it does, a table of results, its targets and notes."""

    number: int
    title: str
    method: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """How long the benchmark took to run, start-up included."""


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def met_text(met: bool) -> str:
    """``met`` or ``**missed**``."""
    return "met" if met else "**missed**"


def summary(sections: Sequence[Section]) -> str:
    """Every target of every benchmark in one table."""
    rows = [
        (f"{section.number}. {section.title}", target.goal, target.measured, met_text(target.met))
        for section in sections
        for target in section.targets
    ]
    return table(("benchmark", "target", "measured", "result"), rows)


def render_section(section: Section) -> str:
    """A benchmark's part of BENCHMARKS.md."""
    parts = [
        f"## {section.number}. {section.title}",
        section.method,
        table(section.headers, section.rows),
    ]
    if section.targets:
        parts.append(
            "\n".join(
                f"- Target: {target.goal}. Measured {target.measured}: {met_text(target.met)}."
                for target in section.targets
            )
        )
    parts.extend(section.notes)
    parts.append(f"_This benchmark ran for {section.seconds:.0f} s._")
    return "\n\n".join(parts)


def render(header: str, machine: str, sections: Sequence[Section]) -> str:
    """The whole of BENCHMARKS.md."""
    body = [header, machine, "## Targets", summary(sections)]
    body += [render_section(section) for section in sections]
    return "\n\n".join(body) + "\n"

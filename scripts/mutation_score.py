"""The score of the last `make mutation` run, per rule module and in total.

mutmut keeps each module's results in ``mutants/<module>.meta``; this reads them with mutmut's
own loader and tally (``SourceFileMutationData``, ``collect_stat``) and prints one line per
module. A mutant counts as detected when a test failed (killed) or hung (timeout). A mutant no
selected test reaches ("no tests") counts against the score, as an untested line would; one
that was not run this time (a ``MODULES=`` subset) is left out. Run from the repository root,
after ``mutmut run``: ``.venv/bin/python scripts/mutation_score.py``.
"""

from __future__ import annotations

from mutmut.mutation.data import SourceFileMutationData
from mutmut.stats import collect_stat
from mutmut.utils.file_utils import walk_mutatable_files


def main() -> None:
    """Print killed, survived, no-tests, timeout and checked counts and the score per module."""
    header = f"{'module':<45} {'killed':>6} {'survived':>8} {'no tests':>8} {'timeout':>7}"
    print(f"{header} {'checked':>7} {'score':>6}")
    totals = [0, 0, 0, 0, 0]
    for path in sorted(walk_mutatable_files()):
        data = SourceFileMutationData(path=path)
        data.load()
        stat = collect_stat(data)
        checked = stat.total - stat.not_checked - stat.skipped
        if checked == 0:
            continue
        row = [stat.killed, stat.survived, stat.no_tests, stat.timeout, checked]
        totals = [total + count for total, count in zip(totals, row, strict=True)]
        print(_line(str(path), row))
    print(_line("total", totals))
    print("Survivors: `.venv/bin/mutmut results`; one of them: `.venv/bin/mutmut show NAME`.")


def _line(name: str, counts: list[int]) -> str:
    killed, survived, no_tests, timeout, checked = counts
    score = f"{100 * (killed + timeout) / checked:.1f}%" if checked else "-"
    return (
        f"{name:<45} {killed:>6} {survived:>8} {no_tests:>8} {timeout:>7} {checked:>7} {score:>6}"
    )


if __name__ == "__main__":
    main()

"""The ``gotham-inbox`` console script.

A module apart from :mod:`gotham_inbox.cli` so that a plain ``gotham-inbox check`` can start the
child that runs the program (:func:`gotham_inbox.check.runner.prestart`) before the command line
imports its subcommands: the child imports the Pulumi SDK on the second core meanwhile. Importing
:mod:`gotham_inbox.cli` itself starts nothing.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run ``gotham-inbox`` with the process's arguments; returns the exit code."""
    from gotham_inbox.check.runner import prestart

    prestart(sys.argv[1:])
    from gotham_inbox.cli import main as run_command_line

    return run_command_line()


if __name__ == "__main__":
    sys.exit(main())

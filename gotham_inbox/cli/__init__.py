"""The ``gotham-inbox`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``run`` to a function taking the parsed
arguments and returning the exit code. They are imported here explicitly, so a subcommand that
fails to import fails the command line loudly instead of going missing.

Bad input is a :class:`~gotham_inbox.errors.UserError` (a file, flag or setting that cannot be
used): ``run`` raises it, or lets it go, and :func:`main` alone turns it into the line
``gotham-inbox <command>: <message>`` on standard error and the error's ``exit_code``. A
command that promises a document on standard output whatever happens (``check --format
json|sarif``, ``announce --format json``) writes it for the error and raises it again.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from gotham_inbox.cli import (
    announce,
    check,
    doctor,
    emulator,
    exit_codes,
    migrate_state,
    policy_config,
    policy_pack,
    schema,
)
from gotham_inbox.errors import UserError
from gotham_inbox.redaction import redact

TRACEBACK_VARIABLE = "GOTHAM_INBOX_TRACEBACK"
"""Set it to 1 to get the traceback of an unexpected error instead of the one-line message."""

SUBCOMMANDS = (announce, check, doctor, emulator, migrate_state, policy_config, policy_pack, schema)
"""The subcommand modules, in the order ``gotham-inbox --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="gotham-inbox",
        description="Gotham Global Inbox messages as Pulumi resources, checked before deploys.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (see :mod:`.exit_codes`).

    Whatever happens, the user gets one line on standard error and a code from the table, never
    a traceback: bad input is its :class:`~gotham_inbox.errors.UserError`'s ``exit_code``
    (:data:`~.exit_codes.BAD_INPUT`, 2, unless it says otherwise), a bug
    :data:`~.exit_codes.INTERNAL_ERROR` (70), Ctrl-C :data:`~.exit_codes.INTERRUPTED` (130).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except UserError as error:
        # Redacted as every text we print: a message may quote a value read from a setting.
        print(f"gotham-inbox {args.command}: {redact(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"gotham-inbox {args.command}: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except Exception as error:
        if os.environ.get(TRACEBACK_VARIABLE) == "1":
            raise
        print(
            f"gotham-inbox {args.command}: internal error ({type(error).__name__}); this is a "
            f"bug in gotham-inbox: please report it with the command line "
            f"(set {TRACEBACK_VARIABLE}=1 for the traceback)",
            file=sys.stderr,
        )
        return exit_codes.INTERNAL_ERROR
    return code


if __name__ == "__main__":
    sys.exit(main())

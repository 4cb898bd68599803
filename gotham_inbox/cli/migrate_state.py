"""``gotham-inbox migrate-state``: rewrite an exported stack from the old ``providers`` path."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gotham_inbox.distribution.state_migration import StateMigrationError, migrate_export

EXIT_OK = 0
EXIT_BROKEN = 2
STDIN = "-"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate-state",
        help="rewrite a `pulumi stack export` file whose providers are pickled as providers.*",
        description="Stacks deployed when gotham-inbox installed a top-level `providers` package "
        "record `providers.provider.InboxMessageProvider` in every inbox resource's "
        "__provider; deleting, replacing or refreshing those resources then fails with "
        "\"No module named 'providers'\". This rewrites each such value to what this version "
        "records (gotham_inbox.providers.provider...) and leaves everything else as it is. "
        "Run: pulumi stack export --file state.json; gotham-inbox migrate-state state.json "
        "--output migrated.json; pulumi stack import --file migrated.json.",
    )
    parser.add_argument(
        "export", metavar="FILE", help="the `pulumi stack export` file ('-' for standard input)"
    )
    parser.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="write the migrated document here (default: standard output)",
    )
    parser.set_defaults(run=run)


def _fail(message: str) -> int:
    print(f"gotham-inbox migrate-state: {message}", file=sys.stderr)
    return EXIT_BROKEN


def run(args: argparse.Namespace) -> int:
    source = "standard input" if args.export == STDIN else args.export
    try:
        text = sys.stdin.read() if args.export == STDIN else Path(args.export).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return _fail(f"cannot read {source}: {getattr(error, 'strerror', None) or error}")
    try:
        exported = json.loads(text)
    except json.JSONDecodeError as error:
        return _fail(
            f"{source} is not JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
            "create it with `pulumi stack export --file FILE`"
        )
    try:
        migration = migrate_export(exported, str(source))
    except StateMigrationError as error:
        return _fail(str(error))
    document = json.dumps(migration.document, indent=4) + "\n"
    if args.output is None:
        sys.stdout.write(document)
    else:
        try:
            args.output.write_text(document, encoding="utf-8")
        except OSError as error:
            return _fail(f"cannot write {args.output}: {error.strerror}")
    if migration.rewritten:
        print(
            f"gotham-inbox migrate-state: rewrote {len(migration.rewritten)} __provider value(s) "
            "to gotham_inbox.providers:",
            file=sys.stderr,
        )
        for where in migration.rewritten:
            print(f"  {where}", file=sys.stderr)
        if args.output is not None:
            print(f"next: pulumi stack import --file {args.output}", file=sys.stderr)
    else:
        print(
            "gotham-inbox migrate-state: nothing to migrate (no __provider names "
            "providers.provider); the document is unchanged",
            file=sys.stderr,
        )
    return EXIT_OK

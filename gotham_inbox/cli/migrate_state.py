"""``gotham-inbox migrate-state``: rewrite an exported stack from the old ``providers`` path."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gotham_inbox.cli import exit_codes
from gotham_inbox.distribution.state_migration import migrate_export
from gotham_inbox.documents import DocumentError, parse_json, read_bounded, read_bounded_stream
from gotham_inbox.errors import UserError
from gotham_inbox.output_files import write_atomically

STDIN = "-"

EXPORT_MAX_BYTES = 256 * 1024 * 1024
"""256 MiB: far above the 4 MiB a configuration file may be. A `pulumi stack export` holds
every resource's inputs and outputs (a few KiB each), so 10,000 resources are some 50 MiB;
``--max-bytes`` raises the cap for a larger one."""
EXPORT_MAX_NODES = 100_000_000
"""Values in the export: more than a 256 MiB document can hold, so the size cap decides."""
EXPORT_MAX_DEPTH = 256
"""Nesting: resources' property values nest as deep as a program's outputs do."""


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
    parser.add_argument(
        "--max-bytes",
        type=_positive_bytes,
        default=EXPORT_MAX_BYTES,
        metavar="N",
        help=f"refuse an export larger than N bytes (default {EXPORT_MAX_BYTES}: 256 MiB)",
    )
    parser.set_defaults(run=run)


def _positive_bytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of bytes")
    return value


def run(args: argparse.Namespace) -> int:
    source = "standard input" if args.export == STDIN else args.export
    hint = "; create it with `pulumi stack export --file FILE`"
    try:
        text = (
            read_bounded_stream(sys.stdin.buffer, source, max_bytes=args.max_bytes)
            if args.export == STDIN
            else read_bounded(args.export, max_bytes=args.max_bytes)
        )
        exported = parse_json(text, source, max_nodes=EXPORT_MAX_NODES, max_depth=EXPORT_MAX_DEPTH)
    except DocumentError as error:
        if "-byte limit" in error.reason:
            hint = "; pass --max-bytes N to read a larger export"
        raise UserError(f"{error}{hint}") from None
    migration = migrate_export(exported, str(source))
    document = json.dumps(migration.document, indent=4) + "\n"
    if args.output is None:
        sys.stdout.write(document)
    else:
        try:
            write_atomically(args.output, document.encode("utf-8"))
        except OSError as error:
            raise UserError(
                f"cannot write {args.output}: {error.strerror or error}; {args.output} is unchanged"
            ) from None
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
    return exit_codes.OK

"""``gotham-inbox schema``: print or regenerate the JSON Schema files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gotham_inbox import schema
from gotham_inbox.cli import exit_codes


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "schema", help="print the request JSON Schema, or regenerate the shipped files"
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite gotham_inbox/schemas/ from the models"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.write:
        try:
            written = schema.write_all()
        except OSError as error:
            print(
                f"gotham-inbox schema: cannot write {schema.SCHEMA_DIR}: "
                f"{error.strerror or error}; the schema files are unchanged",
                file=sys.stderr,
            )
            return exit_codes.BAD_INPUT
        for path in written:
            print(f"wrote {path}")
    else:
        print(schema.render(schema.SCHEMA_MODELS["send-messages-request.schema.json"]), end="")
    return exit_codes.OK

"""``gotham-inbox schema``: print or regenerate the JSON Schema files."""

from __future__ import annotations

import argparse
from typing import Any

from gotham_inbox import schema
from gotham_inbox.cli import exit_codes
from gotham_inbox.errors import UserError


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
            raise UserError(
                f"cannot write {schema.SCHEMA_DIR}: {error.strerror or error}; the schema files "
                "are unchanged"
            ) from None
        for path in written:
            print(f"wrote {path}")
    else:
        print(schema.render(schema.SCHEMA_MODELS["send-messages-request.schema.json"]), end="")
    return exit_codes.OK

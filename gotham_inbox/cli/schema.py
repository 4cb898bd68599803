"""``gotham-inbox schema``: print or regenerate the JSON Schema files."""

from __future__ import annotations

import argparse
from typing import Any

from gotham_inbox import schema


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
        for path in schema.write_all():
            print(f"wrote {path}")
    else:
        print(schema.render(schema.SCHEMA_MODELS["send-messages-request.schema.json"]), end="")
    return 0

"""``gotham-inbox policy-config``: the pack's config generated from an emulator directory."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gotham_inbox.cli import exit_codes
from gotham_inbox.directory import (
    PRODUCER_GROUP,
    example_directory_path,
    load_directory,
)
from gotham_inbox.errors import UserError
from gotham_inbox.output_files import write_atomically
from gotham_inbox.policy.directory_config import pack_config_schema, policy_config_from_directory


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy-config",
        help="generate the policy pack's config from an emulator directory file",
        description="Print (or write) the gotham-inbox policy-pack config for a caller, from the "
        "directory the emulator serves: the caller's realm and clearance, every group's realm and "
        "clearance, the markings in order. The same file works for `pulumi preview "
        "--policy-pack-config` and `gotham-inbox check --policy-config`. No tokens or secrets "
        "are copied.",
    )
    parser.add_argument(
        "--directory",
        type=Path,
        metavar="FILE",
        help="emulator directory file (YAML or JSON); default: the shipped example directory",
    )
    parser.add_argument("--caller", metavar="USER", help="the directory user that sends")
    parser.add_argument(
        "--output", type=Path, metavar="FILE", help="write the config here instead of stdout"
    )
    parser.add_argument(
        "--schema",
        action="store_true",
        help="print the JSON Schema of a policy config file instead",
    )
    parser.set_defaults(run=run, parser=parser)


def _emit(document: dict[str, Any], output: Path | None) -> int:
    text = json.dumps(document, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return exit_codes.OK
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as error:
        raise UserError(
            f"cannot write {output}: {error.strerror or error}; {output} is unchanged"
        ) from None
    print(f"wrote {output}", file=sys.stderr)
    return exit_codes.OK


def run(args: argparse.Namespace) -> int:
    if args.schema:
        return _emit(pack_config_schema(), args.output)
    if not args.caller:
        raise UserError("--caller USER is required")
    directory = load_directory(args.directory or example_directory_path())
    try:
        caller = directory.user(args.caller)
    except KeyError:
        users = ", ".join(user.name for user in directory.users)
        raise UserError(
            f"no user '{args.caller}' in {directory.source}; choose one of: {users}"
        ) from None
    if not caller.is_inbox_producer:
        print(
            f"gotham-inbox policy-config: warning: '{caller.name}' is not in the group "
            f"'{PRODUCER_GROUP}', so the server refuses its sends",
            file=sys.stderr,
        )
    return _emit(policy_config_from_directory(directory, caller), args.output)

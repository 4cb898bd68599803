"""``gotham-inbox policy-pack DIR``: lay the policy pack out as a self-contained directory."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path
from typing import Any

from gotham_inbox.cli import exit_codes
from gotham_inbox.distribution.pack_dir import VIRTUALENV, lay_out


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "policy-pack",
        help="write the policy pack into a directory of its own (for --policy-pack and publish)",
        description="Write gotham-inbox's CrossGuard policy pack into DIR: PulumiPolicy.yaml, "
        "__main__.py and a requirements.txt pinning this version of gotham-inbox. The directory "
        "refers to nothing outside itself: install it into its own virtualenv, use it with "
        "`pulumi preview --policy-pack DIR` from any project, or publish it with "
        "`pulumi policy publish` (run in DIR). Running it again is a no-op; files of the pack "
        "changed since are only replaced with --force.",
    )
    parser.add_argument("directory", type=Path, metavar="DIR", help="the pack directory")
    parser.add_argument(
        "--force", action="store_true", help="replace pack files that differ from this version's"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    laid_out = lay_out(args.directory, force=args.force)
    where = shlex.quote(str(args.directory))
    written = ", ".join(laid_out.written) if laid_out.written else "nothing (already up to date)"
    print(f"gotham-inbox {laid_out.version} policy pack in {args.directory}: wrote {written}")
    print("Next:")
    print(
        f"  python3 -m venv {where}/{VIRTUALENV} && "
        f"{where}/{VIRTUALENV}/bin/pip install -r {where}/requirements.txt"
    )
    # Without --policy-pack-config the pack runs on its defaults, which know no groups or
    # markings of the user's Gotham: say where the config comes from.
    print(
        f"  pulumi preview --policy-pack {where} --policy-pack-config policy-config.STACK.json"
        "   # from any Pulumi project; `gotham-inbox policy-config` writes the config"
    )
    print(f"  (cd {where} && pulumi policy publish)   # enforce it through Pulumi Cloud")
    return exit_codes.OK

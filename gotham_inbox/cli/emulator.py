"""``gotham-inbox emulator``: serve the local Gotham Inbox emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
from typing import Any

from gotham_inbox.cli import exit_codes
from gotham_inbox.emulator.app import DEFAULT_MAX_BODY_BYTES, create_app
from gotham_inbox.emulator.directory import DIRECTORY_SCHEMA, DirectoryError, load_directory
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS
from gotham_inbox.emulator.server import EmulatorServer
from gotham_inbox.emulator.store import MessageStore, StoreError
from gotham_inbox.hosts import is_loopback_host

logger = logging.getLogger("gotham_inbox.emulator")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:  # the OS would silently take it modulo 65536
        raise argparse.ArgumentTypeError("must be a TCP port, 0 to 65535")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the local Gotham Inbox emulator",
        description="Serve POST /api/gotham/v1/inbox/messages?preview=true, the OAuth2 token "
        "endpoint and GET /emulator/messages, checked against a directory of markings, groups "
        "and callers. Stops cleanly on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=_port, default=8765, help="port (default 8765; 0: any free)")
    parser.add_argument(
        "--directory",
        metavar="FILE",
        help="directory file, YAML or JSON (default: the shipped example directory)",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="SQLite file that keeps messages across restarts (default: in memory)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"larger requests get 413 (default {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--token-lifetime",
        type=_non_negative_int,
        default=DEFAULT_TOKEN_LIFETIME_SECONDS,
        metavar="SECONDS",
        help=f"lifetime of OAuth2 tokens (default {DEFAULT_TOKEN_LIFETIME_SECONDS})",
    )
    parser.add_argument(
        "--print-directory-schema",
        action="store_true",
        help="print the JSON Schema of directory files and exit",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )
    parser.set_defaults(run=run)


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    # uvicorn's own start/stop chatter repeats what we log; keep only its warnings and errors.
    logging.getLogger("uvicorn").setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    if args.print_directory_schema:
        print(json.dumps(DIRECTORY_SCHEMA, indent=2))
        return exit_codes.OK
    _configure_logging(args.log_level)
    try:
        directory = load_directory(args.directory)
        store = MessageStore(args.db)
    except (DirectoryError, StoreError) as error:
        print(f"gotham-inbox emulator: {error}", file=sys.stderr)
        return exit_codes.BAD_INPUT
    with store:
        app = create_app(
            directory,
            store,
            max_body_bytes=args.max_body_bytes,
            token_lifetime_seconds=args.token_lifetime,
        )
        try:
            server = EmulatorServer(app, host=args.host, port=args.port)
        except (UnicodeError, ValueError, socket.gaierror) as error:  # "a..b", "no.such.host"
            print(
                f"gotham-inbox emulator: --host {args.host[:100]!r} is not a host name or "
                f"address ({type(error).__name__})",
                file=sys.stderr,
            )
            return exit_codes.BAD_INPUT
        except OSError as error:
            print(
                f"gotham-inbox emulator: cannot listen on {args.host}:{args.port}: "
                f"{error.strerror or error}; pick another --port",
                file=sys.stderr,
            )
            return exit_codes.UNAVAILABLE
        if not is_loopback_host(args.host):
            logger.warning(
                "listening on %s, which is not loopback: tokens arrive over plain http",
                args.host,
            )
        logger.info(
            "gotham-inbox emulator listening on %s (directory %s, database %s)",
            server.base_url,
            directory.source,
            args.db or "in memory",
        )
        server.serve()
        logger.info("gotham-inbox emulator stopped")
    return exit_codes.OK

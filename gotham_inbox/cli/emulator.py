"""``gotham-inbox emulator``: serve the local Gotham Inbox emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import socket
import sys
from typing import Any

from gotham_inbox._hosts import is_loopback_host
from gotham_inbox.cli import exit_codes
from gotham_inbox.directory import DIRECTORY_SCHEMA, load_directory
from gotham_inbox.emulator.app import DEFAULT_MAX_BODY_BYTES, create_app
from gotham_inbox.emulator.faults import FAULT_KINDS, FaultPlan, FaultRule, parse_fault
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS
from gotham_inbox.emulator.server import EmulatorServer
from gotham_inbox.emulator.source_id_modes import DEFAULT_SOURCE_ID_MODE, SOURCE_ID_MODES
from gotham_inbox.emulator.store import MessageStore
from gotham_inbox.errors import UnavailableError, UserError

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
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number") from None
    if not 0 <= value <= 65535:
        # The OS would silently take the number modulo 65536 (99999 listens on 34463).
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 1-65535, or 0 for any free")
    return value


def _fault(text: str) -> FaultRule:
    try:
        return parse_fault(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


ADMIN_TOKEN_ENV = "GOTHAM_EMULATOR_ADMIN_TOKEN"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the local Gotham Inbox emulator",
        description="Serve POST /api/gotham/v1/inbox/messages?preview=true, the OAuth2 token "
        "endpoint and GET /emulator/messages (with the admin token it logs at start-up), "
        "checked against a directory of markings, groups and callers. Stops cleanly on Ctrl-C "
        "or SIGTERM.",
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
        "--source-ids",
        choices=SOURCE_ID_MODES,
        default=DEFAULT_SOURCE_ID_MODE,
        help="how a caller-chosen sourceId is treated: honour it as the message's id, ignore it "
        "(assign a server id), or reject the request with a 400 naming the field "
        f"(default {DEFAULT_SOURCE_ID_MODE}; see docs/source-ids.md)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_fault,
        metavar="KIND[:OPTIONS]",
        help=f"misbehave on send requests, e.g. throttle:times=2,retry-after=1 or "
        f"drop-after-commit:rate=0.2 (repeatable; kinds: {', '.join(FAULT_KINDS)}; "
        "see docs/faults.md). Off by default",
    )
    parser.add_argument(
        "--fault-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of the random draws of --fault rates, to repeat a run exactly",
    )
    parser.add_argument(
        "--admin-token",
        default=None,
        metavar="TOKEN",
        help=f"bearer token of GET/DELETE /emulator/messages (default: ${ADMIN_TOKEN_ENV}, "
        "else a random one, logged at start-up)",
    )
    parser.add_argument(
        "--print-directory-schema",
        action="store_true",
        help="print the JSON Schema of directory files and exit",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="the least severe log lines written to standard error (default INFO: one per request)",
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
    directory = load_directory(args.directory)
    store = MessageStore(args.db)
    chosen_token = args.admin_token or os.environ.get(ADMIN_TOKEN_ENV)
    admin_token = chosen_token or "emu-admin-" + secrets.token_urlsafe(24)
    faults = FaultPlan(seed=args.fault_seed, rules=list(args.fault))
    with store:
        app = create_app(
            directory,
            store,
            max_body_bytes=args.max_body_bytes,
            token_lifetime_seconds=args.token_lifetime,
            source_ids=args.source_ids,
            admin_token=admin_token,
            faults=faults,
        )
        try:
            server = EmulatorServer(app, host=args.host, port=args.port)
        except (UnicodeError, ValueError, socket.gaierror) as error:  # "a..b", "no.such.host"
            raise UserError(
                f"--host {args.host[:100]!r} is not a host name or address ({type(error).__name__})"
            ) from None
        except OSError as error:
            raise UnavailableError(
                f"cannot listen on {args.host}:{args.port}: {error.strerror or error}; "
                "pick another --port"
            ) from None
        if not is_loopback_host(args.host):
            logger.warning(
                "listening on %s, which is not loopback: tokens arrive over plain http",
                args.host,
            )
        logger.info(
            "gotham-inbox emulator listening on %s (directory %s, database %s, sourceIds %s)",
            server.base_url,
            directory.source,
            args.db or "in memory",
            args.source_ids,
        )
        if chosen_token:
            logger.info("GET/DELETE /emulator/messages need the admin token you gave")
        else:
            # A random token guards the local test store; whoever started the emulator needs
            # it. Give --admin-token (or $GOTHAM_EMULATOR_ADMIN_TOKEN) to keep it out of logs.
            logger.info(
                "admin token for GET/DELETE /emulator/messages: %s (curl -H 'Authorization: "
                "Bearer %s' %s/emulator/messages)",
                admin_token,
                admin_token,
                server.base_url,
            )
        for rule in faults.rules:
            logger.warning(
                "fault on: %s (times %s, rate %g)",
                rule.fault.kind,
                "all" if rule.times is None else rule.times,
                rule.rate,
            )
        server.serve()
        logger.info("gotham-inbox emulator stopped")
    return exit_codes.OK

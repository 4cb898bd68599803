"""``gotham-inbox doctor``: will a deploy work against this Gotham? Nothing is delivered.

``gotham-inbox doctor --hostname HOST`` with ``GOTHAM_TOKEN`` or ``GOTHAM_CLIENT_ID`` and
``GOTHAM_CLIENT_SECRET`` (the provider's variables), or ``gotham-inbox doctor PROJECT_DIR
--stack NAME`` reading the stack's ``gotham:*`` settings (secrets from the environment, as
Pulumi secrets cannot be decrypted here). Every probe is a request the server must refuse by
validation; only ``--send-test-message --to-group NAME`` sends one real message.

Exit status: 0 when a deploy would work, 1 when it would not, 2 for bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gotham_inbox._delivery import HostMemory
from gotham_inbox.cli import exit_codes
from gotham_inbox.doctor import Diagnosis, Doctor
from gotham_inbox.errors import ConfigurationError, InsecureTransportError, UserError

_MARKS = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "info": "info"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check that deploys would work against a Gotham host, without delivering anything",
        description="Probe a Gotham host with requests it must refuse by validation: TLS, "
        "authentication, the producers group, the preview flag and how the host treats "
        "sourceId. Exit 0 when a deploy would work, 1 when it would not, 2 for bad input.",
    )
    parser.add_argument(
        "project_dir",
        nargs="?",
        type=Path,
        metavar="PROJECT_DIR",
        help="a Pulumi project whose stack's gotham:* settings to use",
    )
    parser.add_argument("--stack", help="the stack of PROJECT_DIR (default: its only or dev)")
    parser.add_argument("--hostname", help="the Gotham host (overrides gotham:hostname)")
    parser.add_argument("--ca-bundle", metavar="PEM", help="CA bundle (overrides gotham:caBundle)")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (default text)"
    )
    parser.add_argument(
        "--send-test-message",
        action="store_true",
        help="send ONE real message (to --to-group) to tell whether sourceIds are honoured",
    )
    parser.add_argument("--to-group", metavar="NAME", help="the group of the test message")
    parser.add_argument("--to-realm", metavar="REALM", help="its realm (default: the caller's)")
    parser.add_argument(
        "--marking", default="UNCLASSIFIED", help="the test message's portion marking"
    )
    parser.set_defaults(run=run)


def _stack_config(args: argparse.Namespace) -> tuple[dict[str, str], frozenset[str]]:
    from gotham_inbox.check.project import load_project

    # Any runtime: the doctor runs no program, it reads the stack's gotham:* settings, which the
    # provider plugin takes alike from Python, TypeScript, Go and YAML programs.
    project = load_project(args.project_dir, args.stack, require_program=False)
    return project.plain_config, project.secret_keys


def _setting_problems(args: argparse.Namespace) -> list[str]:
    """The project stack's misspelt ``gotham:*`` keys (``check.project.setting_problems``)."""
    if args.project_dir is None:
        return []
    from gotham_inbox.check.project import load_project, setting_problems

    return setting_problems(load_project(args.project_dir, args.stack, require_program=False))


def _add_setting_findings(diagnosis: Diagnosis, problems: list[str]) -> None:
    for problem in problems:
        diagnosis.add(
            "config",
            "fail",
            problem,
            "the provider fails every resource's check on an unknown gotham:* key, so "
            "`pulumi preview` and `pulumi up` stop before sending anything",
            "rename the key as the summary says",
        )


def _settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    # The provider's own resolution, so the doctor checks what a deploy would use.
    from gotham_inbox.providers.settings import ProviderSettings

    config: dict[str, str] = {}
    secret_keys: frozenset[str] = frozenset()
    if args.project_dir is not None:
        config, secret_keys = _stack_config(args)
    if args.hostname:
        config["gotham:hostname"] = args.hostname
    if args.ca_bundle:
        config["gotham:caBundle"] = args.ca_bundle
    for key, variable in (
        ("gotham:token", "GOTHAM_TOKEN"),
        ("gotham:clientSecret", "GOTHAM_CLIENT_SECRET"),
    ):
        if key in secret_keys and not environ.get(variable):
            raise ConfigurationError(
                f"{key} is a Pulumi secret in the stack, which the doctor cannot decrypt; "
                f"set {variable} to the same value (e.g. {variable}=$(pulumi config get {key}))"
            )
    return ProviderSettings.resolve(config, environ)


def render_text(diagnosis: Diagnosis) -> str:
    """The findings, one block each, then the verdict."""
    lines = [f"gotham-inbox doctor: {diagnosis.target}"]
    for finding in diagnosis.findings:
        lines.append(f"  [{_MARKS[finding.status]}] {finding.check}: {finding.summary}")
        if finding.meaning:
            lines.append(f"         means: {finding.meaning}")
        if finding.action:
            lines.append(f"         do:    {finding.action}")
    verdict = "a deploy would work" if diagnosis.works else "a deploy would NOT work"
    lines.append(f"verdict: {verdict} (sourceIds: {diagnosis.source_ids})")
    return "\n".join(lines)


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    if args.project_dir is None and not args.hostname:
        raise UserError("give --hostname HOST, or a PROJECT_DIR (with --stack) to read it from")
    if args.send_test_message and not args.to_group:
        raise UserError("--send-test-message needs --to-group NAME (the group to send it to)")
    problems: list[str] = []
    try:
        problems = _setting_problems(args)
        settings = _settings(args, environ)
        policy = settings.source_id_policy()
        if not settings.hostname:
            raise ConfigurationError(
                "no hostname: the stack has no gotham:hostname; pass --hostname HOST"
            )
        client = settings.client()
    except InsecureTransportError as error:
        diagnosis = Diagnosis(str(settings.hostname))
        diagnosis.add(
            "transport",
            "fail",
            str(error),
            "the provider refuses to send a token over plain http to this host: every create "
            "would fail (nothing is sent)",
            "use https:// (the default when no scheme is given)",
        )
        _add_setting_findings(diagnosis, problems)
        return _report(args, diagnosis.redacted(settings.secrets()))
    except UserError as error:
        if not problems:
            raise
        # A misspelt key is often why a setting is missing: say both.
        raise UserError("; ".join([str(error), *problems])) from None
    with client:
        doctor = Doctor(client, source_id_setting=policy)
        diagnosis = doctor.run()
        _add_setting_findings(diagnosis, problems)
        if args.send_test_message and diagnosis.works:
            doctor.send_test_message(
                args.to_group,
                realm=args.to_realm,
                marking=args.marking,
                make_client=lambda memory: _client_with(settings, memory),
            )
        elif args.send_test_message:
            diagnosis.add(
                "test message",
                "info",
                "not sent: the checks above failed",
                "nothing was sent",
                "fix the failures, then run the doctor again",
            )
    # Defence in depth: no finding quotes a secret, but error texts come from the server; the
    # redaction also knows every access token issued during the run, and the variables.
    diagnosis = diagnosis.redacted(settings.secrets())
    return _report(args, diagnosis)


def _client_with(settings: Any, memory: HostMemory) -> Any:
    return dataclasses.replace(settings, memory=memory).client()


def _report(args: argparse.Namespace, diagnosis: Diagnosis) -> int:
    if args.format == "json":
        print(json.dumps(diagnosis.to_json(), indent=2))
    else:
        print(render_text(diagnosis))
    return exit_codes.OK if diagnosis.works else exit_codes.DEPLOY_WOULD_NOT_WORK

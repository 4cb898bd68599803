"""The provider's settings for a stack read from disk: its ``gotham:*`` config, else ``GOTHAM_*``.

``gotham-inbox check``'s reader (:func:`gotham_inbox.check.project.load_project`) gives the
stack's config without decrypting anything. A setting the stack holds as a Pulumi secret
(``gotham:token``, ``gotham:sourceIdSalt``...) can only be decrypted by the Pulumi CLI with the
stack's secrets provider, as the deploy itself did: ``pulumi config get KEY --stack NAME``,
run for the secret settings that are needed and no others. If that is impossible (no ``pulumi``
on PATH, no passphrase), the ``GOTHAM_*`` variable is used when set; otherwise the setting is
reported missing, naming both ways to give it. Decrypted values live in memory only and are
redacted from every text, as the provider does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from gotham_inbox.check.project import StackProject
from gotham_inbox.errors import ConfigurationError
from gotham_inbox.providers.settings import SETTINGS, ProviderSettings, Setting
from gotham_inbox.validation import short_repr

DECRYPT_TIMEOUT_SECONDS = 60.0
MAX_SECRET_LENGTH = 64 * 1024


@dataclass(frozen=True)
class Decrypted:
    """What decrypting the stack's secret settings gave, and what could not be decrypted."""

    values: Mapping[str, str]
    problems: Mapping[str, str]


def _pulumi_config_get(project: StackProject, key: str, pulumi: str) -> str:
    finished = subprocess.run(
        [pulumi, "config", "get", key, "--stack", project.stack, "--non-interactive"],
        cwd=project.directory,
        capture_output=True,
        text=True,
        timeout=DECRYPT_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    )
    if finished.returncode != 0:
        lines = [line for line in finished.stderr.splitlines() if line.strip()]
        why = lines[-1].strip()[:300] if lines else f"exit {finished.returncode}"
        raise ConfigurationError(f"`pulumi config get {key}` failed: {why}")
    value = finished.stdout.removesuffix("\n")
    if len(value) > MAX_SECRET_LENGTH:
        raise ConfigurationError(f"`pulumi config get {key}` printed an over-long value")
    return value


def decrypt_secrets(
    project: StackProject, settings: tuple[Setting, ...], environ: Mapping[str, str]
) -> Decrypted:
    """The plaintext of those ``settings`` the stack holds as secrets.

    A secret whose ``GOTHAM_*`` variable is set is still decrypted (the stack config wins, as
    in the provider); only when decrypting fails does the variable stand in.
    """
    values: dict[str, str] = {}
    problems: dict[str, str] = {}
    wanted = [setting for setting in settings if setting.config_key in project.secret_keys]
    if not wanted:
        return Decrypted(values, problems)
    pulumi = shutil.which("pulumi", path=environ.get("PATH"))
    for setting in wanted:
        try:
            if pulumi is None:
                raise ConfigurationError("no `pulumi` on PATH to decrypt it")
            values[setting.config_key] = _pulumi_config_get(project, setting.config_key, pulumi)
        except (ConfigurationError, OSError, subprocess.SubprocessError) as error:
            problems[setting.config_key] = str(error)
    return Decrypted(values, problems)


@dataclass(frozen=True)
class StackSettings:
    """The provider's settings for a stack, and its secret settings nothing could stand in for."""

    settings: ProviderSettings
    undecrypted: tuple[str, ...] = ()
    """Secret settings that could not be decrypted and have no ``GOTHAM_*`` variable: their
    values are unknown, so the redaction cannot remove them from a text that quotes them."""


def stack_settings(
    project: StackProject, environ: Mapping[str, str], *, credentials: bool
) -> StackSettings:
    """The provider's settings for ``project``'s stack.

    ``credentials`` False (``--dry-run``, which sends nothing) tolerates a secret that cannot
    be decrypted: it is then neither used nor known to the redaction, and is listed in
    :attr:`StackSettings.undecrypted`.

    Raises:
        ConfigurationError: a secret setting could not be decrypted and has no ``GOTHAM_*``
            variable to stand in; the text names both ways to give it.
    """
    decrypted = decrypt_secrets(project, SETTINGS, environ)
    undecrypted: list[str] = []
    for key, problem in decrypted.problems.items():
        setting = next(setting for setting in SETTINGS if setting.config_key == key)
        if environ.get(setting.env_var, "").strip():
            continue
        if not credentials:
            undecrypted.append(key)
            continue
        raise ConfigurationError(
            f"{key} is a secret of stack {short_repr(project.stack)} and could not be "
            f"decrypted ({problem}); run announce where `pulumi` can decrypt it (the "
            f"stack's secrets provider, e.g. PULUMI_CONFIG_PASSPHRASE), or set "
            f"{setting.env_var}"
        )
    config = {
        key: value
        for key, value in project.config.items()
        if key not in project.secret_keys or key in decrypted.values
    }
    config.update(decrypted.values)
    return StackSettings(ProviderSettings.resolve(config, environ), tuple(undecrypted))

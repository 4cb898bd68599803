"""A token with a line break, through the real `pulumi up`: refused, never shown (issue 16).

Before, httpx's ``Illegal header value b'Bearer <token>'`` reached the engine, which printed the
token three times. Now the provider refuses the value where it is configured, names the setting,
and nothing is sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import STACK, PulumiProject

pytestmark = pytest.mark.e2e

WRAPPED_TOKEN = "s3cr3t-token-value\nline2-of-the-wrapped-token"


@pytest.mark.parametrize("where", ["stack-config", "environment"])
def test_up_with_a_wrapped_token_fails_naming_the_setting_without_the_token(
    pulumi_engine: None, tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = PulumiProject.copy_example(tmp_path)
    with running_emulator() as emulator:
        project.init_dev_stack(emulator.base_url)
        if where == "stack-config":
            project.run(
                "config", "set", "--secret", "--stack", STACK, "gotham:token", WRAPPED_TOKEN
            ).ok()
            env_token = None
        else:
            project.run("config", "rm", "--stack", STACK, "gotham:token").ok()
            env_token = WRAPPED_TOKEN
        environment = project.env
        if env_token is not None:
            monkeypatch.setattr(
                project, "env", lambda: {**environment(), "GOTHAM_TOKEN": env_token}
            )
        run = project.run("up", "--yes", "--stack", STACK)
        assert run.returncode != 0, run.describe()
        assert "gotham:token" in run.output and "control character" in run.output, run.describe()
        assert "Nothing was sent." in run.output
        for piece in WRAPPED_TOKEN.split("\n"):
            assert piece not in run.output
        assert emulator.messages() == []

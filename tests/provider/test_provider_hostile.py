"""The provider under hostile configuration and failures: typed, redacted, honest (issue 16)."""

from __future__ import annotations

import httpx
import pytest

from gotham_inbox._auth import ClientCredentialsAuth
from gotham_inbox.errors import ConfigurationError
from gotham_inbox.providers.provider import InboxMessageProvider, InboxProviderError
from gotham_inbox.providers.settings import ProviderSettings, parse_scopes
from tests.provider.provider_support import (
    SECRET_CLIENT_SECRET,
    SECRET_TOKEN,
    ScriptedGotham,
    with_id,
)


def provider_with(settings: ProviderSettings) -> InboxMessageProvider:
    provider = InboxMessageProvider()
    provider.use_settings(settings)
    return provider


def test_a_token_with_a_line_break_from_the_environment_is_refused_unseen() -> None:
    settings = ProviderSettings.resolve(
        {}, {"GOTHAM_HOSTNAME": "gotham.example.com", "GOTHAM_TOKEN": "abc-secret\r\nX-Evil: 1"}
    )
    with pytest.raises(InboxProviderError) as caught:
        provider_with(settings).create({"message": with_id()})
    text = str(caught.value)
    assert "gotham:token" in text and "Nothing was sent." in text
    assert "abc-secret" not in text and "X-Evil" not in text


def test_an_unexpected_failure_is_typed_redacted_and_honest_about_the_outcome() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError(f"boom near {request.headers['Authorization']}")

    gotham = ScriptedGotham()
    settings = gotham.settings(transport=httpx.MockTransport(explode))
    with pytest.raises(InboxProviderError) as caught:
        provider_with(settings).create({"message": with_id()})
    text = str(caught.value)
    assert SECRET_TOKEN not in text
    assert "may or may not have been sent" in text


def test_a_token_endpoint_outage_through_the_provider_says_nothing_was_sent() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="unavailable")

    settings = ProviderSettings(
        hostname="gotham.example.com",
        client_id="release-pipeline",
        client_secret=SECRET_CLIENT_SECRET,
        transport=httpx.MockTransport(down),
        retry=ScriptedGotham().settings().retry,
    )
    with pytest.raises(InboxProviderError) as caught:
        provider_with(settings).create({"message": with_id()})
    text = str(caught.value)
    assert "TokenEndpointError" in text and "Nothing was sent." in text
    assert "may or may not" not in text and SECRET_CLIENT_SECRET not in text


@pytest.mark.parametrize(
    ("text", "scopes"),
    [
        ("api:inbox-write", ["api:inbox-write"]),
        ("api:inbox-write api:usage", ["api:inbox-write", "api:usage"]),
        ("api:inbox-write, api:usage", ["api:inbox-write", "api:usage"]),
        ('["api:inbox-write"]', ["api:inbox-write"]),
        ("  ", None),
    ],
)
def test_gotham_scopes_is_read_as_a_list(text: str, scopes: list[str] | None) -> None:
    assert parse_scopes(text.strip() or None) == scopes
    settings = ProviderSettings.resolve(
        {"gotham:scopes": text, "gotham:clientId": "id", "gotham:clientSecret": "secret-123"}, {}
    )
    auth = settings.auth()
    assert isinstance(auth, ClientCredentialsAuth)
    assert auth.scopes == scopes


def test_a_malformed_gotham_scopes_names_the_key() -> None:
    with pytest.raises(ConfigurationError, match="gotham:scopes"):
        parse_scopes('["api:inbox-write", 3]')


def test_gotham_proxy_reaches_the_client_and_a_bad_one_is_a_configuration_error() -> None:
    settings = ProviderSettings.resolve(
        {"gotham:hostname": "gotham.example.com", "gotham:token": SECRET_TOKEN}, {}
    )
    settings.client().close()
    bad = ProviderSettings.resolve({}, {**_env(settings), "GOTHAM_PROXY": "gopher://proxy"})
    with pytest.raises(ConfigurationError, match="proxy"):
        bad.client()


def _env(settings: ProviderSettings) -> dict[str, str]:
    return {"GOTHAM_HOSTNAME": settings.hostname or "", "GOTHAM_TOKEN": settings.token or ""}

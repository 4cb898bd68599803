"""The provider's errors show no part of any credential the host process held (issue 23).

An access token issued during the deploy, the one before a refresh, and a token straddling the
cut of a non-JSON error body: none may reach the error Pulumi prints (its str and repr) or a log.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from gotham_inbox.providers.provider import InboxMessageProvider, InboxProviderError
from gotham_inbox.providers.settings import ProviderSettings
from tests.provider.provider_support import SECRET_CLIENT_SECRET, ScriptedGotham, with_id
from tests.support import RevokedThenEchoing, page_cutting_the_token, shows_any_part

ISSUED = ["provider-issued-token-1-3c9e0a7f52d1b8", "provider-issued-token-2-e07b4c19a6f3d2"]


def with_credentials(send: object) -> InboxMessageProvider:
    """A provider whose token endpoint issues ``ISSUED`` in turn; ``send`` answers sends."""
    issued = list(ISSUED)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": issued.pop(0), "expires_in": 3600})
        return send(request)  # type: ignore[operator, no-any-return]

    provider = InboxMessageProvider()
    provider.use_settings(
        ProviderSettings(
            hostname="gotham.example.com",
            client_id="release-pipeline",
            client_secret=SECRET_CLIENT_SECRET,
            transport=httpx.MockTransport(handle),
            retry=ScriptedGotham().settings().retry,
        )
    )
    return provider


def shown(error: BaseException, caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join([str(error), repr(error), caplog.text])


def test_a_token_straddling_the_cut_of_an_html_error_is_not_in_the_provider_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=page_cutting_the_token(request.headers["Authorization"]))

    caplog.set_level(logging.DEBUG)
    with pytest.raises(InboxProviderError) as caught:
        with_credentials(page).create({"message": with_id()})
    text = shown(caught.value, caplog)
    assert "Nothing was sent." in text
    for secret in [ISSUED[0], SECRET_CLIENT_SECRET]:
        assert not shows_any_part(text, secret), text


def test_the_access_token_before_a_refresh_is_not_in_the_provider_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gotham = RevokedThenEchoing()
    provider = with_credentials(gotham)
    caplog.set_level(logging.DEBUG)
    provider.create({"message": with_id()})
    with pytest.raises(InboxProviderError) as caught:
        provider.create({"message": with_id()})
    assert gotham.seen[-1].endswith(ISSUED[1])  # refreshed
    text = shown(caught.value, caplog)
    for secret in [*ISSUED, SECRET_CLIENT_SECRET]:
        assert not shows_any_part(text, secret), text

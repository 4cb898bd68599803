"""Provider configuration: stack config, environment fallbacks, clear errors, no leaked secret."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from gotham_inbox._auth import ClientCredentialsAuth, TokenAuth
from gotham_inbox.errors import ConfigurationError
from gotham_inbox.providers.settings import (
    CONFIG_KEYS,
    PROXY,
    SETTINGS,
    ProviderSettings,
    unknown_setting_problems,
)
from gotham_inbox.redaction import CREDENTIAL_VARIABLES
from tests.provider.provider_support import SECRET_CLIENT_SECRET, SECRET_TOKEN


def test_stack_config_wins_over_the_environment_key_by_key() -> None:
    config = {"gotham:hostname": "gotham.example.com", "gotham:realm": "palantir-internal-realm"}
    environ = {
        "GOTHAM_HOSTNAME": "other.example.com",
        "GOTHAM_TOKEN": SECRET_TOKEN,
        "GOTHAM_CA_BUNDLE": "/etc/ca.pem",
    }
    settings = ProviderSettings.resolve(config, environ)
    assert settings.hostname == "gotham.example.com"
    assert settings.token == SECRET_TOKEN
    assert settings.ca_bundle == "/etc/ca.pem"
    assert settings.realm == "palantir-internal-realm"


def test_every_key_is_read_from_its_namespaced_config_key() -> None:
    config = {
        "gotham:hostname": "h.example.com",
        "gotham:token": SECRET_TOKEN,
        "gotham:clientId": "release-pipeline",
        "gotham:clientSecret": SECRET_CLIENT_SECRET,
        "gotham:caBundle": "/ca.pem",
        "gotham:realm": "r",
        "hostname": "not-namespaced.example.com",
    }
    assert ProviderSettings.resolve(config.get, {}) == ProviderSettings(
        hostname="h.example.com",
        token=SECRET_TOKEN,
        client_id="release-pipeline",
        client_secret=SECRET_CLIENT_SECRET,
        ca_bundle="/ca.pem",
        realm="r",
    )


def test_empty_values_count_as_unset() -> None:
    settings = ProviderSettings.resolve({"gotham:token": "  "}, {"GOTHAM_TOKEN": SECRET_TOKEN})
    assert settings.token == SECRET_TOKEN


def test_a_token_is_preferred_over_client_credentials() -> None:
    settings = ProviderSettings(
        hostname="h", token=SECRET_TOKEN, client_id="c", client_secret=SECRET_CLIENT_SECRET
    )
    assert isinstance(settings.auth(), TokenAuth)
    assert isinstance(
        ProviderSettings(hostname="h", client_id="c", client_secret="s").auth(),
        ClientCredentialsAuth,
    )


@pytest.mark.parametrize(
    ("settings", "names"),
    [
        (ProviderSettings(token="t"), ["gotham:hostname", "GOTHAM_HOSTNAME"]),
        (ProviderSettings(hostname="h"), ["gotham:token", "gotham:clientId", "GOTHAM_TOKEN"]),
        (
            ProviderSettings(hostname="h", client_id="c"),
            ["gotham:clientSecret", "--secret", "GOTHAM_CLIENT_SECRET"],
        ),
        (
            ProviderSettings(hostname="h", client_secret=SECRET_CLIENT_SECRET),
            ["gotham:clientId", "GOTHAM_CLIENT_ID"],
        ),
        (
            ProviderSettings(hostname="h", token="t", ca_bundle="/no/such/ca.pem"),
            ["gotham:caBundle", "/no/such/ca.pem", "GOTHAM_CA_BUNDLE"],
        ),
    ],
)
def test_missing_or_broken_configuration_names_the_key_to_set(
    settings: ProviderSettings, names: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings.client()
    for name in names:
        assert name in str(caught.value)
    assert SECRET_CLIENT_SECRET not in str(caught.value)


def test_secrets_stay_out_of_the_repr_and_are_redacted_from_text() -> None:
    settings = ProviderSettings(
        hostname="h", token=SECRET_TOKEN, client_id="c", client_secret=SECRET_CLIENT_SECRET
    )
    assert SECRET_TOKEN not in repr(settings)
    assert SECRET_CLIENT_SECRET not in repr(settings)
    text = f"echoed {SECRET_TOKEN} and {SECRET_CLIENT_SECRET}"
    assert settings.redact(text) == "echoed *** and ***"


def test_a_proxy_s_password_stays_out_of_the_repr_and_is_redacted_from_text() -> None:
    settings = ProviderSettings(hostname="h", proxy="http://user:pr0xy%2FPassw0rd@proxy:3128")
    assert "pr0xy" not in repr(settings)
    text = "ProxyError: http://user:pr0xy%2FPassw0rd@proxy:3128 said pr0xy/Passw0rd"
    assert "pr0xy" not in settings.redact(text)
    assert "proxy:3128" in settings.redact(text)


def test_a_ca_bundle_that_is_not_pem_is_refused_naming_the_key(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="gotham:caBundle"):
        ProviderSettings(hostname="h", token="t", ca_bundle=str(bundle)).client()


def test_every_known_gotham_key_passes_and_a_misspelt_one_gets_a_suggestion() -> None:
    # The known keys come from ProviderSettings' fields (and announce's two): one list.
    read = {
        item.metadata["setting"].config_key for item in fields(ProviderSettings) if item.metadata
    }
    assert read | {"gotham:announceGroups", "gotham:announceMarkings"} == CONFIG_KEYS
    assert unknown_setting_problems([*CONFIG_KEYS, "aws:region", "my-app:hostnme"]) == []
    (problem,) = unknown_setting_problems(["gotham:clientID", "gotham:realm"])
    assert problem.startswith(
        "stack config gotham:clientID is not a gotham-inbox setting, so the provider would "
        "ignore it; did you mean 'gotham:clientId'?"
    )


def test_the_gotham_namespace_in_another_case_is_not_a_setting() -> None:
    # Pulumi's config.Key keeps the namespace as written and compares it case-sensitively.
    problems = unknown_setting_problems(["Gotham:hostname", "GOTHAM:tokn", "other:hostname"])
    assert len(problems) == 2
    assert problems[0].startswith(
        "stack config GOTHAM:tokn is in namespace 'GOTHAM', not 'gotham' (Pulumi config keys "
        "are case-sensitive), so the provider would ignore it; did you mean 'gotham:token'?"
    )
    assert "did you mean 'gotham:hostname'?" in problems[1]


def test_every_secret_setting_s_variable_is_always_redacted() -> None:
    # The redaction (below the settings) names the variables itself: a secret setting added
    # without its variable there would leak from the environment. The proxy is the exception:
    # only its URL's password is secret, and the settings redact that.
    secret_variables = {
        setting.env_var for setting in SETTINGS if setting.secret and setting is not PROXY
    }
    assert secret_variables == set(CREDENTIAL_VARIABLES)

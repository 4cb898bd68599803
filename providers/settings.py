"""Provider configuration: stack config first, then environment variables.

The dynamic-provider host hands the whole stack configuration (namespaced keys such as
``gotham:hostname``) to the provider's ``configure`` hook. This module turns that, plus the
``GOTHAM_*`` environment variables as fallbacks, into :class:`ProviderSettings`, and the
settings into an :class:`~gotham_inbox.client.InboxClient` when a message is about to be sent.

Settings live only in the provider host's memory, after the provider was deserialised: they are
never pickled into Pulumi state, and the token and client secret appear in no repr or error.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import httpx

from gotham_inbox._auth import ClientCredentialsAuth, TokenAuth
from gotham_inbox._delivery import SOURCE_ID_POLICIES, HostMemory, SourceIdPolicy
from gotham_inbox._retry import RetryPolicy
from gotham_inbox._tls import ssl_verification
from gotham_inbox.client import InboxClient
from gotham_inbox.errors import ConfigurationError
from gotham_inbox.redaction import redact
from gotham_inbox.suggestions import did_you_mean


@dataclass(frozen=True)
class Setting:
    """One configuration value: its stack config key and its environment fallback."""

    config_key: str
    env_var: str
    secret: bool = False

    @property
    def how_to_set(self) -> str:
        """What a user types to set it."""
        secret = " --secret" if self.secret else ""
        return f"`pulumi config set{secret} {self.config_key} ...` or the {self.env_var} variable"


HOSTNAME = Setting("gotham:hostname", "GOTHAM_HOSTNAME")
TOKEN = Setting("gotham:token", "GOTHAM_TOKEN", secret=True)
CLIENT_ID = Setting("gotham:clientId", "GOTHAM_CLIENT_ID")
CLIENT_SECRET = Setting("gotham:clientSecret", "GOTHAM_CLIENT_SECRET", secret=True)
CA_BUNDLE = Setting("gotham:caBundle", "GOTHAM_CA_BUNDLE")
REALM = Setting("gotham:realm", "GOTHAM_REALM")
SOURCE_IDS = Setting("gotham:sourceIds", "GOTHAM_SOURCE_IDS")
SOURCE_ID_SALT = Setting("gotham:sourceIdSalt", "GOTHAM_SOURCE_ID_SALT", secret=True)
SCOPES = Setting("gotham:scopes", "GOTHAM_SCOPES")
PROXY = Setting("gotham:proxy", "GOTHAM_PROXY", secret=True)
"""Secret: a proxy URL may carry a user and password (``http://user:password@proxy:3128``)."""


CONFIG_NAMESPACE = "gotham"
"""The stack config namespace of the provider's settings (``gotham:hostname``...)."""

DEFAULT_SOURCE_IDS: SourceIdPolicy = "auto"

ConfigLookup = Callable[[str], Any]


def parse_scopes(text: str | None) -> list[str] | None:
    """``gotham:scopes``: a JSON list (``["api:inbox-write"]``), or names split by spaces or
    commas. ``None`` when unset; the client then asks for no particular scope."""
    if text is None:
        return None
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigurationError(
                f"{SCOPES.config_key} is not a JSON list of scope names; set it with "
                f"{SCOPES.how_to_set}, e.g. 'api:inbox-write' or '[\"api:inbox-write\"]'"
            )
        names = [item.strip() for item in value]
    else:
        names = text.replace(",", " ").split()
    return [name for name in names if name] or None


def _setting(setting: Setting, default: Any = None) -> Any:
    # A field of ProviderSettings read from stack config: the Setting rides in its metadata,
    # so the fields are the one list of settings (resolve and the unknown-key check read it).
    # A secret setting is kept out of the repr.
    return field(default=default, repr=not setting.secret, metadata={"setting": setting})


def _text(value: Any) -> str | None:
    # Stack config values are strings; treat empty or whitespace-only as unset.
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class ProviderSettings:
    """Where to send messages and how to authenticate.

    The secret settings (``token``, ``client_secret``, ``source_id_salt``, ``proxy``: their
    :attr:`Setting.secret`) are kept out of the repr.
    ``source_ids`` is ``auto``, ``send`` or ``omit`` (see docs/source-ids.md); the salt is read
    by the program (it keys derived sourceIds) and is here only so that it is redacted too.
    ``transport``, ``retry`` and ``memory`` are for tests and embedding (an httpx transport, a
    retry policy, a :class:`~gotham_inbox.HostMemory`); they never come from config.
    """

    hostname: str | None = _setting(HOSTNAME)
    token: str | None = _setting(TOKEN)
    client_id: str | None = _setting(CLIENT_ID)
    client_secret: str | None = _setting(CLIENT_SECRET)
    ca_bundle: str | None = _setting(CA_BUNDLE)
    realm: str | None = _setting(REALM)
    source_ids: str = _setting(SOURCE_IDS, DEFAULT_SOURCE_IDS)
    source_id_salt: str | None = _setting(SOURCE_ID_SALT)
    scopes: str | None = _setting(SCOPES)
    proxy: str | None = _setting(PROXY)
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)
    retry: RetryPolicy | None = field(default=None, repr=False, compare=False)
    memory: HostMemory | None = field(default=None, repr=False, compare=False)

    @classmethod
    def resolve(
        cls, config: ConfigLookup | Mapping[str, Any], environ: Mapping[str, str]
    ) -> ProviderSettings:
        """Settings from stack config (``gotham:*`` keys), falling back to ``GOTHAM_*`` vars.

        ``config`` is the ``ConfigureRequest.config`` object's ``get`` or a plain mapping.
        Nothing is checked here: a missing value is reported when a message is sent, so that
        previews and checks work without credentials.
        """
        lookup: ConfigLookup = config.get if isinstance(config, Mapping) else config

        def value(setting: Setting) -> str | None:
            return _text(lookup(setting.config_key)) or _text(environ.get(setting.env_var))

        values: dict[str, Any] = {
            name: value(setting) for name, setting in _settings_by_field().items()
        }
        values["source_ids"] = (values["source_ids"] or DEFAULT_SOURCE_IDS).lower()
        return cls(**values)

    def secrets(self) -> tuple[str, ...]:
        """The secret values configured, to scrub from any text leaving the provider: the
        credentials, the salt and a proxy URL's password."""
        return tuple(
            secret
            for secret in (
                self.token,
                self.client_secret,
                self.source_id_salt,
                _password(self.proxy),
            )
            if secret
        )

    def redact(self, text: str) -> str:
        """``text`` with every configured secret replaced by ``***``, in every spelling an
        exception may show it (escaped, URL-encoded, line by line).

        Defence in depth: no message the provider writes contains a secret. Values shorter
        than :data:`gotham_inbox.redaction.MIN_REDACTED_LENGTH` are not real credentials, and
        replacing them would garble the text (a token ``t`` would mangle every t).
        """
        return redact(text, self.secrets())

    def auth(self) -> httpx.Auth:
        """The authentication to use: the token if one is set, else client credentials.

        Raises:
            ConfigurationError: naming the key(s) to set.
        """
        if self.token:
            return TokenAuth(self.token)
        if self.client_id and self.client_secret:
            return ClientCredentialsAuth(
                self.client_id, self.client_secret, scopes=parse_scopes(self.scopes)
            )
        if self.client_id:
            raise ConfigurationError(
                f"{CLIENT_ID.config_key} is set but {CLIENT_SECRET.config_key} is missing; "
                f"set it with {CLIENT_SECRET.how_to_set}"
            )
        if self.client_secret:
            raise ConfigurationError(
                f"{CLIENT_SECRET.config_key} is set but {CLIENT_ID.config_key} is missing; "
                f"set it with {CLIENT_ID.how_to_set}"
            )
        raise ConfigurationError(
            f"no Gotham credentials are configured; set {TOKEN.config_key} with "
            f"{TOKEN.how_to_set}, or {CLIENT_ID.config_key} and {CLIENT_SECRET.config_key} "
            f"with `pulumi config set {CLIENT_ID.config_key} ...` and "
            f"`pulumi config set --secret {CLIENT_SECRET.config_key} ...` "
            f"(or {CLIENT_ID.env_var} and {CLIENT_SECRET.env_var})"
        )

    def source_id_policy(self) -> SourceIdPolicy:
        """``auto``, ``send`` or ``omit``.

        Raises:
            ConfigurationError: ``gotham:sourceIds`` has another value.
        """
        for policy in SOURCE_ID_POLICIES:
            if self.source_ids == policy:
                return policy
        raise ConfigurationError(
            f"{SOURCE_IDS.config_key} is '{self.source_ids}'; use auto (the default), send or "
            f"omit, with {SOURCE_IDS.how_to_set}"
        )

    def _verify(self) -> bool | str:
        if not self.ca_bundle:
            return True
        try:
            ssl_verification(self.ca_bundle)
        except ConfigurationError as error:
            raise ConfigurationError(
                f"{CA_BUNDLE.config_key}: {error}; fix the path with {CA_BUNDLE.how_to_set}"
            ) from None
        return self.ca_bundle

    def client(self) -> InboxClient:
        """A new :class:`InboxClient` for these settings.

        Raises:
            ConfigurationError: a required setting is missing or invalid; the message names
                the key to set and never contains a secret.
        """
        if not self.hostname:
            raise ConfigurationError(
                f"{HOSTNAME.config_key} is not set; set the Gotham host with {HOSTNAME.how_to_set}"
            )
        return InboxClient(
            self.hostname,
            auth=self.auth(),
            verify=self._verify(),
            retry=self.retry,
            transport=self.transport,
            memory=self.memory,
            proxy=self.proxy,
        )


def _password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        password = urllib.parse.urlsplit(url).password
    except ValueError:  # a malformed URL (a bad port): the client refuses it, naming the setting
        return None
    return urllib.parse.unquote(password) if password else None


def _settings_by_field() -> dict[str, Setting]:
    return {
        item.name: item.metadata["setting"]
        for item in fields(ProviderSettings)
        if "setting" in item.metadata
    }


SETTINGS: tuple[Setting, ...] = tuple(_settings_by_field().values())
"""Every setting the provider reads, from the fields of :class:`ProviderSettings`."""

ANNOUNCE_GROUPS = Setting("gotham:announceGroups", "GOTHAM_ANNOUNCE_GROUPS")
ANNOUNCE_MARKINGS = Setting("gotham:announceMarkings", "GOTHAM_ANNOUNCE_MARKINGS")
OTHER_SETTINGS: tuple[Setting, ...] = (ANNOUNCE_GROUPS, ANNOUNCE_MARKINGS)
"""Settings of the ``gotham`` namespace that other commands read, not the provider
(``gotham-inbox announce``'s default routes): known keys all the same."""

CONFIG_KEYS: frozenset[str] = frozenset(
    setting.config_key for setting in (*SETTINGS, *OTHER_SETTINGS)
)
"""Every ``gotham:*`` stack config key gotham-inbox reads: any other one is a mistake."""


def unknown_setting_problems(keys: Iterable[str], *, in_project_file: bool = False) -> list[str]:
    """What is wrong with each ``gotham:*`` key that is not a setting, with "did you mean".

    The provider would silently ignore such a key (``gotham:hostnme``), and the first error
    would come at ``pulumi up``; ``check``, ``doctor`` and the provider's own check say so.
    The namespace in another case (``Gotham:hostname``) is one too: Pulumi's config keys are
    case-sensitive (its ``config.Key`` compares namespace and name as written), so the engine
    hands such a key to no ``gotham`` provider. A project named ``gotham`` shares the
    namespace, so its own keys would be reported too. ``in_project_file``: the keys are
    declared in ``Pulumi.yaml``'s ``config:`` block, not set in a stack's file, and the advice
    says to edit that block.
    """
    known = sorted(CONFIG_KEYS)
    kind = "project config" if in_project_file else "stack config"
    problems: list[str] = []
    for key in sorted(keys):
        namespace, colon, name = key.partition(":")
        if not colon or namespace.casefold() != CONFIG_NAMESPACE or key in CONFIG_KEYS:
            continue
        if namespace == CONFIG_NAMESPACE:
            what = f"{kind} {key} is not a gotham-inbox setting"
            meant = key
        else:
            what = (
                f"{kind} {key} is in namespace '{namespace}', not '{CONFIG_NAMESPACE}' (Pulumi "
                "config keys are case-sensitive)"
            )
            meant = f"{CONFIG_NAMESPACE}:{name}"
        fix = (
            "rename it in Pulumi.yaml's config: block"
            if in_project_file
            else f"rename it (`pulumi config rm {key}`, then `pulumi config set` the right key)"
        )
        problems.append(
            f"{what}, so the provider would ignore it; {did_you_mean(meant, known)}{fix}; "
            f"settings: {', '.join(known)}"
        )
    return problems

"""Will a deploy work against this Gotham? Probes that the server must refuse, and findings.

Every probe is a send request the server must refuse by validation, which happens before
anything is sent (documented batch atomicity): one message to a group that cannot exist
(``gotham-inbox-doctor-<uuid4>``) carrying a made-up portion marking. From the answers:

- ``transport``: https, or plain http to loopback only (what the provider allows);
- ``connection``: TLS and reachability;
- ``api``: the answer is Gotham's: a redirect, an empty 404 (the Inbox API is not on this
  host) or any error without Palantir's error envelope (a web server's or firewall's page) is
  not the API, and proves nothing about the token or validation;
- ``rate limit``, ``availability``: a 429 after every allowed retry; a 502, 503 or 504;
- ``authentication`` and ``producer``: the token, and membership of the producers group where
  the answer reveals it (a 403 does; an answer that reaches validation implies it);
- ``preview``: the same probe without ``preview=true`` is refused as the documentation says;
- ``validation``: the probe is refused by validation (and so never delivered);
- ``sourceIds``: the probe again with a ``sourceId``: refused (names the field) or accepted.
  Honoured and ignored cannot be told apart without sending a real message; the opt-in
  :func:`send_test_message` sends one, to a group the user names, to tell them apart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import httpx

from gotham_inbox._delivery import HostMemory, refuses_source_id_field
from gotham_inbox.client import InboxClient
from gotham_inbox.directory import PRODUCER_GROUP
from gotham_inbox.errors import (
    ApiNotAvailableError,
    DeliveryError,
    GothamAPIError,
    GothamInboxError,
    PermissionDeniedError,
    TokenEndpointError,
    UnauthorizedError,
)
from gotham_inbox.redaction import redact

PLAIN_HTTP_CHECK_SECONDS = 5.0
"""How long the doctor waits for a plain-HTTP answer when the TLS handshake failed."""

Status = Literal["ok", "warn", "fail", "info"]
PROBE_GROUP_PREFIX = "gotham-inbox-doctor-"


@dataclass(frozen=True)
class DoctorFinding:
    """One check: what was seen, what it means for the provider's guarantees, what to do."""

    check: str
    status: Status
    summary: str
    meaning: str
    action: str = ""

    def to_json(self) -> dict[str, str]:
        """The finding as a JSON object."""
        return asdict(self)


@dataclass
class Diagnosis:
    """Every finding, and the verdict: would a deploy work?"""

    target: str
    findings: list[DoctorFinding] = field(default_factory=list)
    source_ids: str = "unknown"
    """``refused``, ``accepted``, ``honoured``, ``ignored`` or ``unknown``."""

    def add(self, *args: Any, **kwargs: Any) -> None:
        """Add a :class:`DoctorFinding`."""
        self.findings.append(DoctorFinding(*args, **kwargs))

    @property
    def works(self) -> bool:
        """True when no finding is a failure."""
        return all(finding.status != "fail" for finding in self.findings)

    def redacted(self, secrets: Iterable[str | None] = ()) -> Diagnosis:
        """A copy with every held credential and each of ``secrets`` redacted from every text.

        Defence in depth: no finding quotes a secret, and the client scrubs the errors it
        raises and returns, but summaries quote what servers and libraries said. The access
        tokens issued during the run are held (:data:`~gotham_inbox.redaction.HELD_SECRETS`),
        so they are redacted too.
        """
        values = tuple(secrets)

        def clean(text: str) -> str:
            return redact(text, values)

        findings = [
            replace(
                finding,
                summary=clean(finding.summary),
                meaning=clean(finding.meaning),
                action=clean(finding.action),
            )
            for finding in self.findings
        ]
        return Diagnosis(clean(self.target), findings, self.source_ids)

    def to_json(self) -> dict[str, Any]:
        """The diagnosis as JSON: target, verdict, sourceIds behaviour, findings."""
        return {
            "target": self.target,
            "deployWouldWork": self.works,
            "sourceIds": self.source_ids,
            "findings": [finding.to_json() for finding in self.findings],
        }


PROBE_REFUSALS = ("UnknownRecipients", "InvalidMessagePortionMarkings")
"""The error names Gotham documents for the probe's faults (an unknown group, a made-up
marking; docs/errors.md): only these prove the probe reached message validation."""


def is_probe_refusal(error_name: str) -> bool:
    """True for one of :data:`PROBE_REFUSALS`, bare or under a namespace (``Gotham:...``,
    as Conjure names errors: ASSUMED possible; the SDK documents the bare names)."""
    namespace, _, name = error_name.rpartition(":")
    return name in PROBE_REFUSALS and (not namespace or namespace.isalnum())


def is_send_messages_response(answer: httpx.Response) -> bool:
    """True if ``answer`` is shaped as Gotham's SendMessagesResponse: a JSON object whose
    ``responses`` is a list."""
    try:
        body = json.loads(answer.content)
    except ValueError:  # not JSON, or not text (UnicodeDecodeError is a ValueError)
        return False
    return isinstance(body, dict) and isinstance(body.get("responses"), list)


def probe_message(with_source_id: bool) -> dict[str, Any]:
    """A message no validation can accept: a group and a marking that cannot exist."""
    token = uuid.uuid4()
    message: dict[str, Any] = {
        "groupRecipients": [{"name": f"{PROBE_GROUP_PREFIX}{token}"}],
        "sender": {"displayName": "gotham-inbox doctor"},
        "title": {"value": "gotham-inbox doctor probe (must be refused)"},
        "security": {"portionMarkings": [f"GOTHAM-INBOX-DOCTOR-NOT-A-MARKING-{token.hex}"]},
    }
    if with_source_id:
        message["sourceId"] = str(uuid.uuid4())
    return message


class Doctor:
    """Runs the probes through the deploy's own :class:`InboxClient` (its ``probe``)."""

    def __init__(self, client: InboxClient, *, source_id_setting: str = "auto") -> None:
        self.base_url = client.base_url
        # The client a deploy uses (auth, TLS, proxy, headers, deadline, answer size limit,
        # typed and redacted errors); its probe() makes the requests send() never would.
        self.client = client
        self.source_id_setting = source_id_setting
        self.diagnosis = Diagnosis(str(client.base_url))

    def _post(
        self, message: dict[str, Any], *, preview: bool = True
    ) -> GothamAPIError | httpx.Response:
        """The server's refusal of a probe, or its 2xx answer."""
        return self.client.probe({"messages": [message]}, preview=preview)

    def _refusal(self, message: dict[str, Any], *, preview: bool = True) -> GothamAPIError | None:
        """The server's refusal of a probe, or ``None`` if it answered 2xx."""
        answer = self._post(message, preview=preview)
        return answer if isinstance(answer, GothamAPIError) else None

    def run(self) -> Diagnosis:
        """Every probe in order; stops at the first one that leaves nothing more to learn."""
        add = self.diagnosis.add
        add(
            "transport",
            "ok",
            f"{self.base_url.scheme}://{self.base_url.host}"
            + (" (loopback)" if self.base_url.scheme == "http" else ""),
            "the token travels encrypted"
            if self.base_url.scheme == "https"
            else "plain http is allowed for loopback hosts only (the local emulator)",
        )
        try:
            first = self._post(probe_message(with_source_id=False))
        except TokenEndpointError as error:  # the OAuth2 token request failed
            return self._auth_failed(error)
        except DeliveryError as error:  # not sent, or the answer was lost or too large
            return self._unreachable(error)
        except GothamInboxError as error:  # the request could not be made (configuration)
            return self._unreachable(error)
        if not self._reached_validation(first):
            return self.diagnosis
        self._check_preview()
        self._check_source_ids()
        return self.diagnosis

    # -- the answers ------------------------------------------------------------------------

    def _unreachable(self, error: GothamInboxError) -> Diagnosis:
        text = f"{type(error).__name__}: {error}"
        certificate = "CERTIFICATE" in text.upper()
        tls = certificate or "SSL" in text.upper()
        # A handshake that failed before any certificate was seen, where a plain-HTTP server
        # answers: the scheme is wrong, not the CA. (A TLS server with a certificate we do not
        # trust may answer plain HTTP too, with nginx's "plain HTTP request was sent to HTTPS
        # port" page: hence not after a certificate error.)
        if (
            tls
            and not certificate
            and self.base_url.scheme == "https"
            and speaks_plain_http(self.base_url)
        ):
            plain = self.base_url.copy_with(scheme="http", port=self.base_url.port or 443)
            self.diagnosis.add(
                "connection",
                "fail",
                f"cannot reach {self.base_url.host} over https: the server on port "
                f"{plain.port} speaks plain HTTP, not TLS ({text})",
                "the hostname was taken as https (the default when it has no scheme), and a "
                "plain-HTTP server answers there: no deploy can send anything with this setting",
                f"give the scheme: --hostname {str(plain).rstrip('/')} (gotham:hostname; plain "
                "http is allowed to loopback hosts only, such as the local emulator), or the "
                "port where the host serves https",
            )
            return self.diagnosis
        self.diagnosis.add(
            "connection",
            "fail",
            f"cannot reach {self.base_url.host}: {text}",
            "no deploy can send anything to this host",
            "pass --ca-bundle (gotham:caBundle) with the CA that signed the host's certificate"
            if tls
            else "check the hostname, the port and the network path (proxy, VPN, firewall)",
        )
        return self.diagnosis

    def _auth_failed(self, error: GothamInboxError) -> Diagnosis:
        self.diagnosis.add(
            "authentication",
            "fail",
            f"{type(error).__name__}: {error}",
            "the provider could not authenticate; every create would fail (nothing is sent)",
            "check gotham:clientId / gotham:clientSecret (GOTHAM_CLIENT_ID / "
            "GOTHAM_CLIENT_SECRET) or use a token",
        )
        return self.diagnosis

    def _reached_validation(self, answer: GothamAPIError | httpx.Response) -> bool:
        add = self.diagnosis.add
        path = (
            "TLS and the network path work"
            if self.base_url.scheme == "https"
            else "the network path works (plain http: no TLS)"
        )
        add("connection", "ok", f"{self.base_url.host} answered", path)
        if isinstance(answer, httpx.Response):
            self._judge_acceptance(answer)
            return False
        error = answer
        if not self._answered_by_the_api(error):
            return False
        if isinstance(error, UnauthorizedError):
            add(
                "authentication",
                "fail",
                f"the token was refused ({error.error_name})",
                "every create would fail with HTTP 401; nothing is sent",
                "set a valid token (gotham:token / GOTHAM_TOKEN) or client credentials",
            )
            return False
        add("authentication", "ok", "the token was accepted", "the provider can authenticate")
        if isinstance(error, PermissionDeniedError):
            add(
                "producer",
                "fail",
                f"the caller may not send ({error.error_name}: {error.parameters})",
                "every create would fail with HTTP 403; nothing is sent",
                f"ask the Gotham administrators to add the caller to the group '{PRODUCER_GROUP}'",
            )
            return False
        if error.status_code not in (400, 422) or not is_probe_refusal(error.error_name):
            add(
                "validation",
                "fail",
                f"unexpected answer to the probe: {error}",
                "the host does not answer as documented (the probe's unknown group and made-up "
                f"marking get {' or '.join(PROBE_REFUSALS)}); what a deploy would do is unknown",
                "run again; if it persists, ask the Gotham administrators",
            )
            return False
        add(
            "producer",
            "ok",
            "the caller got as far as message validation",
            "the caller is allowed to send (Gotham checks membership of the producers group "
            "before validating messages; ASSUMED order, undocumented)",
        )
        add(
            "validation",
            "ok",
            f"the probe was refused by validation ({error.error_name})",
            "invalid messages are refused whole, before anything is sent (batch atomicity)",
        )
        return True

    def _judge_acceptance(self, answer: httpx.Response) -> None:
        """A 2xx to the probe: Gotham accepting it (its SendMessagesResponse), or not Gotham."""
        add = self.diagnosis.add
        if not is_send_messages_response(answer):
            kind = answer.headers.get("Content-Type", "no Content-Type").split(";")[0].strip()
            add(
                "api",
                "fail",
                f"the host answered the probe HTTP {answer.status_code} ({kind}) without "
                "Gotham's SendMessagesResponse (a JSON object with a responses list)",
                "the answer did not come from Gotham's API (a login page, a web server or a "
                "proxy answered instead), so it proves nothing about the token or the "
                "messages; every create would fail with its outcome unknown",
                "check the hostname (gotham:hostname) and whether a single sign-on page or a "
                "proxy is answering in Gotham's place",
            )
            return
        add(
            "validation",
            "fail",
            "the host ACCEPTED a message to a group that cannot exist with a made-up marking",
            "this host does not validate as documented; the doctor's probes are not safe "
            "against it and the policy pack's checks do not describe it",
            "report this to the Gotham administrators before deploying",
        )

    def _answered_by_the_api(self, error: GothamAPIError) -> bool:
        """False (with its finding) when the answer proves nothing about the token or the
        messages: a redirect, no Inbox API, rate-limited or unavailable (429, 502-504, which
        Palantir's APIs may answer with no body), or not Gotham's error envelope."""
        add = self.diagnosis.add
        status = error.status_code
        if 300 <= status < 400:
            add(
                "api",
                "fail",
                f"the host answered the probe with a redirect (HTTP {status})",
                "the send endpoint is not at this address (a login page or a web front "
                "redirects); the provider never follows redirects, so every create would fail "
                "with its outcome unknown",
                "check the hostname (gotham:hostname): the Gotham host itself, with its "
                "gateway prefix if it has one",
            )
            return False
        if isinstance(error, ApiNotAvailableError):
            add(
                "api",
                "fail",
                "the Inbox API is not available on this host (404 with an empty body)",
                "every create would fail; nothing is sent",
                "check the hostname (gotham:hostname): it must be the Gotham host itself",
            )
            return False
        if status == 429:
            add(
                "rate limit",
                "fail",
                f"the host answered 429 (rate-limited) to every attempt ({error.error_name})",
                "a deploy now would be rate-limited too (creates fail; nothing is sent); "
                "whether one would work otherwise is unknown",
                "wait, then run the doctor again; if it persists, ask the Gotham administrators "
                "about the rate limit",
            )
            return False
        if status in (502, 503, 504):
            add(
                "availability",
                "fail",
                f"the host, or a gateway in front of it, answered HTTP {status} (unavailable "
                f"or throttling): {error}",
                "a deploy now would fail the same way, with its outcome unknown (a 5xx may come "
                "after the request was processed); whether one would work otherwise is unknown",
                "wait, then run the doctor again; if it persists, ask the Gotham administrators",
            )
            return False
        if not error.envelope:
            add(
                "api",
                "fail",
                f"the host answered HTTP {status} without Gotham's error envelope "
                f"(errorCode, errorName, errorInstanceId, parameters): {error}",
                "the answer did not come from Gotham's API (a web server, proxy, gateway or "
                "firewall answered instead), so it proves nothing about the token or the "
                "messages; what a deploy would do is unknown",
                "check the hostname (gotham:hostname) and whether a proxy or firewall (WAF) "
                "is answering in Gotham's place"
                + (
                    "; a gateway in front of Gotham that refuses the token answers like this "
                    "too: check the credentials"
                    if status in (401, 403)
                    else ""
                ),
            )
            return False
        return True

    def _check_preview(self) -> None:
        try:
            refusal = self._refusal(probe_message(with_source_id=False), preview=False)
        except GothamInboxError as error:
            self.diagnosis.add(
                "preview", "warn", f"the probe without preview=true failed: {error}", "unknown"
            )
            return
        name = refusal.error_name if refusal is not None else ""
        status = refusal.status_code if refusal is not None else "a success"
        if name == "ApiFeaturePreviewUsageOnly":
            self.diagnosis.add(
                "preview",
                "ok",
                "a call without preview=true is refused (ApiFeaturePreviewUsageOnly)",
                "the endpoint is still a preview; the provider always sends preview=true",
            )
        else:
            self.diagnosis.add(
                "preview",
                "info",
                f"a call without preview=true got {status} {name}".rstrip(),
                "the preview flag is not enforced (or is checked after validation); the "
                "provider sends preview=true anyway",
            )

    def _check_source_ids(self) -> None:
        add = self.diagnosis.add
        try:
            refusal = self._refusal(probe_message(with_source_id=True))
        except GothamInboxError as error:
            add("sourceIds", "warn", f"the sourceId probe failed: {error}", "unknown")
            return
        if refusal is not None and refuses_source_id_field(refusal):
            self.diagnosis.source_ids = "refused"
            failing = self.source_id_setting == "send"
            add(
                "sourceIds",
                "fail" if failing else "warn",
                f"this host REFUSES the sourceId field ({refusal.error_name}: "
                f"{refusal.parameters.get('path', refusal.parameters)})",
                "messages go out without ids: a retry after a lost answer is never automatic, "
                "a deploy killed after sending sends again when re-run, and a "
                "ReleaseAnnouncement is once per version only while the state is kept",
                "gotham:sourceIds is 'send', which never falls back: every create would fail; "
                "set it to 'auto' (the default) or 'omit'"
                if failing
                else "nothing to change: gotham:sourceIds 'auto' falls back to no ids (set "
                "'omit' to skip the refused first try); see docs/source-ids.md",
            )
            return
        self.diagnosis.source_ids = "accepted"
        add(
            "sourceIds",
            "info",
            "this host accepts the sourceId field; whether it HONOURS it (idempotent sends, "
            "adoption after a lost answer) or IGNORES it (assigns its own ids) cannot be told "
            "without sending a real message",
            "until a send shows the host honours ids, the provider treats sends as not "
            "idempotent: no automatic retry of a lost answer",
            "run `gotham-inbox doctor ... --send-test-message --to-group GROUP` to send one "
            "real message to a group you choose and find out",
        )

    # -- the opt-in ----------------------------------------------------------------------------

    def send_test_message(
        self,
        group: str,
        *,
        realm: str | None,
        marking: str,
        make_client: Callable[[HostMemory], InboxClient],
    ) -> None:
        """Send ONE real message with a fresh sourceId to ``group``; honoured or ignored?

        If the id comes back, the same message is sent again with the same id: a host that
        honours ids refuses it as ``CONFLICTING_SOURCE_ID`` (nothing delivered).
        """
        add = self.diagnosis.add
        recipient = {"name": group} if realm is None else {"name": group, "realm": realm}
        message = {
            "groupRecipients": [recipient],
            "sender": {"displayName": "gotham-inbox doctor"},
            "title": {"value": "gotham-inbox doctor: test message (you may delete it)"},
            "security": {"portionMarkings": [marking]},
            "sourceId": str(uuid.uuid4()),
        }
        with make_client(HostMemory()) as client:
            try:
                first = client.deliver([message], source_ids="send").results[0]
            except GothamAPIError as error:
                if refuses_source_id_field(error):
                    self.diagnosis.source_ids = "refused"
                    add("test message", "warn", "refused with its sourceId; nothing was sent", "")
                else:
                    add(
                        "test message",
                        "fail",
                        f"not sent: {error}",
                        "the message you asked for could not be sent; nothing was sent",
                        "check --to-group, --to-realm and --marking",
                    )
                return
            except GothamInboxError as error:
                add(
                    "test message",
                    "fail",
                    f"{type(error).__name__}: {error}",
                    "the test message may or may not have been delivered",
                    "look for it in the group's inbox before trying again",
                )
                return
            if not first.honoured:
                self.diagnosis.source_ids = "ignored"
                add(
                    "test message",
                    "warn",
                    f"delivered to {group}; the host IGNORED our sourceId and assigned "
                    f"{first.server_id}",
                    "sends to this host are never idempotent: no automatic retry of a lost "
                    "answer, a killed deploy re-run sends again, a ReleaseAnnouncement is once "
                    "per version only while the state is kept",
                    "nothing to change (gotham:sourceIds auto records the server's ids); see "
                    "docs/source-ids.md",
                )
                return
            try:
                again = client.deliver([message], source_ids="send").results[0]
            except GothamInboxError as error:
                add(
                    "test message",
                    "warn",
                    f"delivered once with our sourceId; the repeat failed: {error}",
                    "the host used our id, but whether it refuses a repeat is unknown",
                    "run the doctor again with --send-test-message",
                )
                return
        if again.status == "conflict" and again.reason == "CONFLICTING_SOURCE_ID":
            self.diagnosis.source_ids = "honoured"
            add(
                "test message",
                "ok",
                f"delivered once to {group}; the same sourceId again was refused as "
                "CONFLICTING_SOURCE_ID",
                "this host honours sourceIds: retries and re-runs never deliver twice, lost "
                "answers are adopted, a ReleaseAnnouncement is once per version even after the "
                "state is lost",
            )
        else:
            add(
                "test message",
                "fail",
                f"the host used our sourceId but delivered the same id twice to {group}",
                "sourceIds are not idempotency keys here: re-runs may deliver twice",
                "set gotham:sourceIds to 'omit' and report this to the Gotham administrators",
            )


def speaks_plain_http(base_url: httpx.URL) -> bool:
    """True if a plain-HTTP server answers at ``base_url``'s host and port (no credentials
    sent): the likely cause of a failed TLS handshake with a hostname given without scheme."""
    plain = base_url.copy_with(scheme="http", port=base_url.port or 443, path="/")
    try:
        with httpx.Client(trust_env=False, timeout=PLAIN_HTTP_CHECK_SECONDS) as client:
            client.head(plain)
    except httpx.HTTPError:
        return False
    return True


__all__ = ["Diagnosis", "Doctor", "DoctorFinding", "probe_message", "speaks_plain_http"]

"""One contract for bad input: a :class:`UserError` carries its exit code, and ``main`` alone
maps it to one line on standard error and that code (as click's ``ClickException``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import gotham_inbox
from gotham_inbox import errors
from gotham_inbox.cli import exit_codes, main
from gotham_inbox.cli import schema as schema_cli
from gotham_inbox.errors import GothamInboxError, UnavailableError, UserError

NOT_USER_ERRORS = {
    "gotham_inbox.announce.announcer.AnnounceRefused": "a verdict of the announce API (exit 1)",
    "gotham_inbox.emulator.envelope.EmulatorError": "an answer the emulator sends, caught there",
    "gotham_inbox.emulator.oauth.OAuthError": "an answer the emulator's token endpoint sends",
    "gotham_inbox.explore.deadline.OutOfTime": "explore's budget, caught inside the search",
    "gotham_inbox.explore.search._Failed": "a failed example, caught inside the search",
    "gotham_inbox.providers.outcome.PartialSendError": "what a create delivered, for the engine",
    "gotham_inbox.providers.provider.InboxProviderError": "what the engine shows for a create",
}
"""Exceptions of the package that are not bad input, and why (the client's own, defined in
``gotham_inbox.errors``, are answers of a server or a network, not a user's input)."""


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class the package defines, by its dotted name."""
    found: dict[str, type[BaseException]] = {}
    for module_info in pkgutil.walk_packages(gotham_inbox.__path__, "gotham_inbox."):
        if module_info.name.endswith("__main__"):  # runs the command line when imported
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


CLASSES = _exception_classes()


def test_a_user_error_exits_with_the_tables_bad_input_code() -> None:
    # errors.py cannot import the table (the cli package imports every command): equal here.
    assert UserError.exit_code == exit_codes.BAD_INPUT
    assert UnavailableError.exit_code == exit_codes.UNAVAILABLE
    assert [
        name
        for name, cls in CLASSES.items()
        if issubclass(cls, UserError)
        and not issubclass(cls, UnavailableError)
        and cls.exit_code != exit_codes.BAD_INPUT
    ] == []


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_exception_of_the_package_is_a_user_error_or_says_why_not(name: str) -> None:
    cls = CLASSES[name]
    if issubclass(cls, UserError):
        return
    client_error = cls.__module__ == errors.__name__ and issubclass(cls, GothamInboxError)
    assert client_error or name in NOT_USER_ERRORS, (
        f"{name} is neither a UserError (bad input: exit 2 through cli.main) nor listed in "
        "NOT_USER_ERRORS with the reason"
    )


def test_the_errors_module_names_every_user_error_defined_elsewhere() -> None:
    elsewhere = sorted(
        name
        for name, cls in CLASSES.items()
        if issubclass(cls, UserError) and cls.__module__ != errors.__name__
    )
    assert elsewhere, "the walk found no user error outside errors.py"
    assert [name for name in elsewhere if f"``{name}``" not in (errors.__doc__ or "")] == []


def test_the_user_errors_that_were_value_errors_still_are() -> None:
    # pydantic turns a ValueError raised in a validator into the field's error.
    for name in (
        "gotham_inbox.documents.DocumentError",
        "gotham_inbox.directory.DirectoryError",
        "gotham_inbox.policy.properties.PolicyConfigError",
        "gotham_inbox.announce.routes.RoutesError",
        "gotham_inbox.announce.identity.IdentityError",
        "gotham_inbox.announce.summary.SummaryError",
        "gotham_inbox.providers.announcement.AnnouncementError",
    ):
        assert issubclass(CLASSES[name], ValueError), name


class _Refused(UserError):
    """A user error of its own code, as a subclass may set."""

    exit_code = exit_codes.UNAVAILABLE


@pytest.mark.parametrize(
    ("error", "code"),
    [(UserError("--flag is wrong; pass --flag N"), 2), (_Refused("port 1 is taken"), 3)],
)
def test_main_maps_any_user_error_to_one_line_and_its_exit_code(
    error: UserError,
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(args: object) -> int:
        raise error

    monkeypatch.setattr(schema_cli, "run", run)
    assert main(["schema"]) == code
    captured = capsys.readouterr()
    assert captured.err == f"gotham-inbox schema: {error}\n"
    assert captured.out == ""


def test_main_redacts_the_credentials_a_user_errors_text_quotes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-token-value-0123456789"
    monkeypatch.setenv("GOTHAM_TOKEN", secret)

    def run(args: object) -> int:
        raise UserError(f"gotham:token {secret} is not a token")

    monkeypatch.setattr(schema_cli, "run", run)
    assert main(["schema"]) == exit_codes.BAD_INPUT
    err = capsys.readouterr().err
    assert secret[:8] not in err
    assert err.startswith("gotham-inbox schema: gotham:token ")

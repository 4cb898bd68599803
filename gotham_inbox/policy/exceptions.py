"""Policy exceptions of Pulumi's version-2 policy config, matched as the Pulumi engine does.

A version-2 file (``{"version": 2, "policies": {...}, "exceptions": {...}}``) may exempt
violations: each exception has an id, a ``reason`` and ``match`` entries, and an entry matches a
violation of any of its ``policies`` reported against any of its ``targets`` (URNs, compared
exactly). An exempted violation is still reported, with the ids and reasons of the exceptions
that match it, and does not stop the deployment.

Followed from the Pulumi CLI v3.274.1 source, ``pkg/resource/analyzer/exceptions.go``
(``parsePolicyException``, ``parsePolicyExceptionMatch``, ``PolicyExceptions.Match``,
``compareExceptionIDs``) and ``pkg/resource/deploy/step_generator.go`` (a mandatory violation
fails the run only when no exception matches it). One difference, on purpose: the CLI only warns
about an exception naming a policy the pack does not have; here it is an error with a "did you
mean", as for every other unknown policy name, since a typo would leave the violation unexempted
without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from gotham_inbox.policy.properties import PolicyConfigError
from gotham_inbox.policy.registry import POLICIES_BY_NAME
from gotham_inbox.policy.violation import Exemption, Violation
from gotham_inbox.suggestions import did_you_mean
from gotham_inbox.validation import short_repr

_ID = re.compile(r"[A-Za-z0-9_.\-]+")
"""What Pulumi allows in an exception id (``tokens.IsName``)."""
URN_PREFIX = "urn:pulumi:"
_URN_DELIMITER = "::"


@dataclass(frozen=True)
class ExceptionMatch:
    """One ``match`` entry: the violations of any of ``policies`` on any of ``targets``."""

    policies: tuple[str, ...]
    targets: tuple[str, ...]

    def matches(self, policy: str, urn: str) -> bool:
        """True when this entry exempts a violation of ``policy`` reported against ``urn``."""
        return policy in self.policies and urn in self.targets


@dataclass(frozen=True)
class PolicyException:
    """One exception: its id, its reason and what it matches."""

    id: str
    reason: str
    match: tuple[ExceptionMatch, ...]

    def matches(self, policy: str, urn: str) -> bool:
        """True when any of its entries matches the violation."""
        return any(entry.matches(policy, urn) for entry in self.match)


def _natural_key(exception_id: str) -> tuple[tuple[tuple[int, int | str], ...], str]:
    # Pulumi's compareExceptionIDs: runs of digits compare as numbers (EXC-2 before EXC-10),
    # ties (EXC-7, EXC-007) byte by byte.
    runs = re.findall(r"\d+|\D+", exception_id)
    key = tuple((0, int(run)) if run.isdigit() else (1, run) for run in runs)
    return key, exception_id


def _error(exception_id: str, text: str) -> PolicyConfigError:
    return PolicyConfigError(f"invalid policy config: policy exception '{exception_id}': {text}")


def _names(value: object, exception_id: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _error(exception_id, f"{where} must be a list of strings; got {short_repr(value)}")
    return tuple(value)


def _match_entry(exception_id: str, position: int, entry: object) -> ExceptionMatch:
    where = f"match[{position}]"
    if not isinstance(entry, dict):
        raise _error(exception_id, f"{where}: must be an object")
    unknown = sorted(set(entry) - {"policies", "targets"})
    if unknown:
        hint = did_you_mean(unknown[0], ("policies", "targets"))
        raise _error(
            exception_id, f"{where}.{unknown[0]}: unknown property; {hint}use policies, targets"
        )
    policies = _names(entry.get("policies", []), exception_id, f"{where}.policies")
    if not policies:
        raise _error(exception_id, f"{where}.policies must list at least one policy")
    for name in policies:
        if name == "all":
            raise _error(exception_id, f"{where}.policies must name policies; 'all' isn't allowed")
        if name not in POLICIES_BY_NAME:
            hint = did_you_mean(name, POLICIES_BY_NAME)
            raise _error(
                exception_id,
                f"{where}.policies: '{name}' is not a policy of the gotham-inbox pack; {hint}"
                f"(policies: {', '.join(POLICIES_BY_NAME)})",
            )
    targets = _names(entry.get("targets", []), exception_id, f"{where}.targets")
    if not targets:
        raise _error(exception_id, f"{where}.targets must list at least one URN")
    for target in targets:
        if not target.startswith(URN_PREFIX) or target.count(_URN_DELIMITER) < 3:
            raise _error(
                exception_id,
                f"{where}.targets: {short_repr(target)} is not a URN (urn:pulumi:STACK::PROJECT"
                "::TYPE::NAME; `gotham-inbox check` prints each violation's URN)",
            )
    return ExceptionMatch(policies, targets)


def _exception(exception_id: str, raw: object) -> PolicyException:
    if not _ID.fullmatch(exception_id):
        raise _error(
            exception_id, "the id must be non-empty and contain only letters, digits, '-', '.', '_'"
        )
    if not isinstance(raw, dict):
        raise _error(exception_id, "must be an object with reason and match")
    unknown = sorted(set(raw) - {"reason", "match"})
    if unknown:
        hint = did_you_mean(unknown[0], ("reason", "match"))
        raise _error(exception_id, f"{unknown[0]}: unknown property; {hint}use reason, match")
    reason = raw.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise _error(exception_id, "reason is required: say why the violation is accepted")
    entries = raw.get("match")
    if not isinstance(entries, list) or not entries:
        raise _error(
            exception_id, 'match must list at least one {"policies": [...], "targets": [...]}'
        )
    matches = tuple(_match_entry(exception_id, i, entry) for i, entry in enumerate(entries))
    return PolicyException(exception_id, reason, matches)


def parse_exceptions(raw: object) -> tuple[PolicyException, ...]:
    """The ``exceptions`` block of a version-2 file, lowest id first; ``None`` is none.

    Raises:
        PolicyConfigError: naming the exception and the entry that is wrong.
    """
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise PolicyConfigError(
            "invalid policy config: 'exceptions' must be an object that maps exception ids to "
            "exceptions"
        )
    return tuple(
        _exception(exception_id, raw[exception_id])
        for exception_id in sorted(raw, key=_natural_key)
    )


def exemptions_of(
    exceptions: Sequence[PolicyException], policy: str, urn: str
) -> tuple[Exemption, ...]:
    """The exceptions that exempt a violation of ``policy`` on ``urn``, lowest id first."""
    return tuple(
        Exemption(exception.id, exception.reason)
        for exception in exceptions
        if exception.matches(policy, urn)
    )


def apply_exceptions(
    violations: Iterable[Violation], exceptions: Sequence[PolicyException]
) -> list[Violation]:
    """Every violation, each exempted one carrying the exceptions that match it."""
    result = []
    for violation in violations:
        exemptions = exemptions_of(exceptions, violation.policy, violation.urn)
        result.append(replace(violation, exemptions=exemptions) if exemptions else violation)
    return result

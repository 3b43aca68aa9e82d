"""Verdicts: passed, failed, not judged or warning, each with the cases behind it; rendered in one place.

A check returns `Seen` (passed, or passed with a warning) or raises `RuleFailure` / `NotJudged`;
`judge` turns either into an `Outcome`, and `render` is the only place that writes one for a person
(what was seen, every case, why the rule matters, what to do, where to read more).
"""

import traceback
from dataclasses import dataclass, field
from enum import Enum

from emulator.errors import ByocError

from .rules import RULES


class Status(str, Enum):
    """A rule's verdict on one target."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_JUDGED = "not judged"
    WARNING = "warning"


@dataclass(frozen=True)
class Case:
    """One request of a multi-case rule: what was sent, what came back, and its verdict."""

    what: str
    sent: str
    got: str
    status: Status
    note: str = ""

    def line(self) -> str:
        return f"{self.what}: sent {self.sent}; got {self.got} -> {self.status.value}" + (
            f" ({self.note})" if self.note else ""
        )


@dataclass(frozen=True)
class Seen:
    """What a passing check saw; with `warning` set the rule passed but deserves a look."""

    detail: str
    cases: tuple[Case, ...] = ()
    warning: str | None = None


class RuleFailure(AssertionError):
    """A rule was broken: which rule, what was expected and what was observed (and every case)."""

    def __init__(self, rule: str, message: str, cases: tuple[Case, ...] = ()):
        super().__init__(f"{rule}: {message}")
        self.rule, self.message, self.cases = rule, message, tuple(cases)


class NotJudged(Exception):
    """A rule could not be judged, e.g. because the sample request it builds on failed."""

    def __init__(self, rule: str, reason: str, cases: tuple[Case, ...] = ()):
        super().__init__(f"{rule}: {reason}")
        self.rule, self.reason, self.cases = rule, reason, tuple(cases)


@dataclass(frozen=True)
class Outcome:
    """A rule's verdict on one target: its status, what was seen, and the cases behind it."""

    rule: str
    target: str
    status: Status
    detail: str
    cases: tuple[Case, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.status in (Status.PASSED, Status.WARNING)


def judge(rule: str, target: str, check) -> Outcome:
    """Run one check and turn its result, failure or crash into an Outcome (never raises)."""
    try:
        seen = check()
    except RuleFailure as err:
        return Outcome(rule, target, Status.FAILED, err.message, err.cases)
    except NotJudged as err:
        return Outcome(rule, target, Status.NOT_JUDGED, err.reason, err.cases)
    except ByocError as err:
        return Outcome(rule, target, Status.FAILED, str(err))
    except Exception:  # noqa: BLE001 - a bug in a check must read as that rule's failure, with its traceback
        return Outcome(rule, target, Status.FAILED, f"the check itself crashed:\n{traceback.format_exc()}")
    if isinstance(seen, str):
        seen = Seen(seen)
    if seen.warning:
        return Outcome(rule, target, Status.WARNING, f"{seen.warning} ({seen.detail})", seen.cases)
    return Outcome(rule, target, Status.PASSED, seen.detail, seen.cases)


def render(outcome: Outcome) -> str:
    """Return the outcome for a person: the finding, every case, and for a problem why and what to do."""
    lines = [f"{outcome.rule}: {outcome.detail}"]
    lines += [f"  - {case.line()}" for case in outcome.cases]
    known = RULES.get(outcome.rule)
    if known and outcome.status in (Status.FAILED, Status.WARNING):
        lines += [
            f"  why: {known.why}",
            f"  what to do: {known.todo}",
            f"  more: {known.link} (or `byoc contract --explain {known.name}`)",
        ]
    return "\n".join(lines)

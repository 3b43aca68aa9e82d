"""The summary at the end of a run: one line per image, and the first thing to fix."""

from .rules import FIX_ORDER, RULES
from .verdict import Outcome, Status


def summary_lines(outcomes: list[Outcome]) -> list[str]:
    """Return one line per target: counts per status and the first thing to fix (or to look at)."""
    by_target: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_target.setdefault(outcome.target, []).append(outcome)
    return [_line(target, found) for target, found in by_target.items()]


def first_to_fix(outcomes: list[Outcome]) -> Outcome | None:
    """Return the failure worth fixing first (a start or sample problem before the rest), else the first warning."""
    order = {rule: n for n, rule in enumerate(FIX_ORDER)}
    for status in (Status.FAILED, Status.WARNING):
        found = sorted((o for o in outcomes if o.status is status), key=lambda o: order.get(o.rule, len(order)))
        if found:
            return found[0]
    return None


def _line(target: str, outcomes: list[Outcome]) -> str:
    counts = {status: sum(o.status is status for o in outcomes) for status in Status}
    text = (
        f"{target}: {counts[Status.PASSED]} passed, {counts[Status.FAILED]} failed, "
        f"{counts[Status.NOT_JUDGED]} not judged, {counts[Status.WARNING]} warning(s)"
    )
    first = first_to_fix(outcomes)
    if first is None:
        return text + "; nothing to fix"
    verb = "first to fix" if first.status is Status.FAILED else "worth a look"
    link = RULES[first.rule].link if first.rule in RULES else ""
    return f"{text}; {verb}: {first.rule} ({link}): {first.detail.splitlines()[0][:160]}"

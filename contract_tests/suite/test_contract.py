"""One test per (rule, target): `test_rule[bind-to-port-myimage]`; the work runs in the session's background."""

import warnings

import pytest

from contract_tests.plugin import record
from contract_tests.verdict import Status, render
from emulator.hosting.plan import SESSION


class ContractWarning(UserWarning):
    """A rule passed, but what it saw deserves a look (e.g. only one exact Content-Type spelling accepted)."""


def test_rule(byoc_case, byoc_contract_session, request):
    """Fail with the rule's message (what was seen, why it matters, what to do); skip what cannot be judged."""
    outcome = byoc_contract_session.outcome(*byoc_case)
    record(request.config, outcome)
    text = render(outcome)
    # <property> in JUnit; byoc_session is the com.byoc.session label on every container and network this run made
    request.node.user_properties += [("verdict", outcome.status.value), ("observed", text), ("byoc_session", SESSION)]
    if outcome.status is Status.FAILED:
        pytest.fail(text, pytrace=False)
    if outcome.status is Status.NOT_JUDGED:
        pytest.skip(text)
    if outcome.status is Status.WARNING:
        warnings.warn(ContractWarning(text), stacklevel=1)

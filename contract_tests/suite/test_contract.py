"""One test per (rule, target): `test_rule[bind-to-port-myimage]`; the work runs in the session's background."""

import pytest


def test_rule(byoc_case, byoc_contract_session, request):
    """Fail with the rule's message (expected, observed) when the target breaks it."""
    outcome = byoc_contract_session.outcome(*byoc_case)
    request.node.user_properties.append(("observed", outcome.detail))  # a <property> in the JUnit XML
    if not outcome.passed:
        pytest.fail(outcome.detail, pytrace=False)

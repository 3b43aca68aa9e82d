"""Every rule has its section in docs/contract.md, and `byoc contract --explain RULE` prints it."""

import re

import pytest

from contract_tests.rules import FIX_ORDER, PIPELINE_RULE, RULES, TARGET_RULES
from emulator.cli import main
from emulator.config import REPO_ROOT

DOCS = (REPO_ROOT / "docs" / "contract.md").read_text()


def test_every_rule_has_one_section_with_a_stable_anchor():
    anchors = re.findall(r'^### <a id="([a-z-]+)"></a>', DOCS, flags=re.MULTILINE)
    assert sorted(anchors) == sorted(RULES)


def test_the_fix_order_names_every_rule_once():
    assert sorted(FIX_ORDER) == sorted((*TARGET_RULES, PIPELINE_RULE))


@pytest.mark.parametrize("name", sorted(RULES))
def test_explain_prints_the_rule_why_and_what_to_do(name, capsys):
    assert main(["contract", "--explain", name]) == 0
    out = capsys.readouterr().out
    assert out.startswith(name + "\n") and "  why: " in out and "  what to do: " in out
    assert f"docs/contract.md#{name}" in out


def test_explain_of_an_unknown_rule_lists_the_known_ones(capsys):
    with pytest.raises(SystemExit) as done:
        main(["contract", "--explain", "nope"])
    assert done.value.code == 2 and "invalid choice: 'nope'" in capsys.readouterr().err

"""`byoc` itself: a bad command line is one error line and one "what to do" line, exit 2, no usage dump."""

import pytest

from emulator.cli import main as byoc


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["transform", "x.toml", "--input", "a", "--output", "b", "--split-type", "Foo"], "invalid choice: 'Foo'"),
        (["transform", "x.toml", "--input", "a", "--output", "b", "--max-payload-in-mb", "abc"], "invalid int"),
        (["evaluate", "x.toml", "--data", "d.csv"], "required: --label"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_a_bad_command_line_is_an_error_and_what_to_do(argv, said, capsys):
    with pytest.raises(SystemExit) as done:
        byoc(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert said in err and "usage:" not in err
    first, hint = err.strip().splitlines()
    assert first.startswith("byoc") and ": error: " in first
    assert hint.strip().startswith("what to do: see `byoc") and hint.endswith("--help`")


def test_an_unknown_argument_is_reported_by_its_subcommand(capsys):
    with pytest.raises(SystemExit):
        byoc(["ls", "foo"])
    assert capsys.readouterr().err.startswith("byoc ls: error: unrecognized arguments: foo")

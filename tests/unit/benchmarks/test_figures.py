"""The benchmark's figures: ratio and verdict per target, the markdown table, README.md's table replaced between
markers.
"""

import pytest

from benchmarks.figures import END_MARKER, START_MARKER, Figure, markdown, replace_table
from benchmarks.startup import CONTAINER_MARKS, breakdown, log_marks, parse_stamp, render


def test_a_ceiling_is_met_at_or_below_its_target():
    figure = Figure("containers", "featurizer, one row, p50", 2.0, "ms", 4.0)
    assert figure.ratio == 0.5 and figure.verdict == "met"
    assert Figure("s", "x", 4.5, "ms", 4.0).verdict == "MISSED"
    assert "target <= 4.00 ms" in figure.line() and "ratio  0.50  met" in figure.line()


def test_a_floor_is_met_at_or_above_its_target():
    figure = Figure("containers", "pair", 143225.0, "rows/s", 60000.0, higher_is_better=True)
    assert figure.verdict == "met" and figure.target_text == ">= 60,000 rows/s"
    assert Figure("e", "share", 53.3, "%", 90.0, True).verdict == "MISSED"


def test_a_figure_without_target_has_no_ratio_and_a_zero_target_no_division():
    assert Figure("e", "in-process", 12.6, "ms").ratio is None
    assert Figure("e", "in-process", 12.6, "ms").verdict == ""
    failed = Figure("control plane", "failed requests", 0, "", 0, note="of 1518")
    assert failed.ratio is None and failed.verdict == "met" and "ratio     -" in failed.line()


def test_markdown_table_has_a_row_per_figure():
    table = markdown([Figure("a", "x", 1.234, "ms", 2.0, note="n"), Figure("b", "y", 2500.0, "rows/s")])
    lines = table.splitlines()
    assert lines[0].startswith("| section | figure | value | target | ratio |")
    assert lines[2] == "| a | x (n) | 1.23 ms | <= 2.00 ms | 0.62 | met |"
    assert lines[3] == "| b | y | 2,500 rows/s |  |  |  |"


def test_readme_table_is_replaced_between_the_markers_only():
    text = f"# Title\n\n{START_MARKER}\nold table\n{END_MARKER}\n\n## Next\n"
    replaced = replace_table(text, "| new |\n")
    assert replaced == f"# Title\n\n{START_MARKER}\n| new |\n{END_MARKER}\n\n## Next\n"
    assert replace_table(replaced, "| newer |") == replaced.replace("| new |", "| newer |")


@pytest.mark.parametrize("text", ["no markers", f"{START_MARKER}\n{END_MARKER}\n{START_MARKER}\n{END_MARKER}"])
def test_readme_without_exactly_one_marker_pair_is_refused(text):
    with pytest.raises(ValueError, match="expected one"):
        replace_table(text, "| t |")


def test_docker_timestamps_parse_to_epoch_seconds():
    assert parse_stamp("1970-01-01T00:00:01.250000000Z") == pytest.approx(1.25)
    assert parse_stamp("1970-01-01T00:00:02Z") == pytest.approx(2.0)


class Logs:
    def __init__(self, text):
        self.text = text

    def logs(self, timestamps):
        assert timestamps
        return self.text.encode()


def test_start_breakdown_from_the_groups_stamps_and_the_containers_log():
    log = "\n".join(
        [
            "1970-01-01T00:00:10.300000000Z serving: starting: port 9000, 1 worker(s)",
            "1970-01-01T00:00:11.800000000Z serving: featurizer.handler loaded the model from /opt/ml/model",
            "1970-01-01T00:00:11.900000000Z [7] [INFO] Listening at: unix:/tmp/s/gunicorn.sock (7)",
            "1970-01-01T00:00:12.000000000Z [7] [INFO] Listening at: unix:/tmp/s/gunicorn.sock (7)",
        ]
    )
    assert log_marks(Logs(log)) == pytest.approx(
        {"supervisor up": 10.3, "model loaded": 11.8, "gunicorn listening": 11.9}
    )

    class Running:
        hostname, container_id = "featurizer", "c1"

    class Group:
        stamps = {
            "start": 10.0,
            "images checked": 10.01,
            "network created": 10.1,
            "featurizer: container started": 10.2,
            "featurizer: /ping green": 11.95,
        }
        running = [Running()]

    class Client:
        containers = type("C", (), {"get": staticmethod(lambda cid: Logs(log))})

    rows = breakdown(Group(), Client())
    assert rows[0][0] == "emulator" and [step for step, _ in rows[0][1]] == ["images checked", "network created"]
    name, steps = rows[1]
    assert name == "featurizer"
    assert [step for step, _ in steps] == ["container started", *(s for s, _ in CONTAINER_MARKS), "/ping green"]
    assert steps[-1][1] == pytest.approx(1.95)
    assert "model loaded 1.80, gunicorn listening 1.90" in render(rows)

"""`byoc transform` over the real abalone pipeline: Line split, MultiRecord, InputFilter, JoinSource Input.

The abalone test set (label `rings` last), each row behind an ID column, is split into three CSV files.
The InputFilter `$[1:8]` (slice end included: columns 1..8) drops the ID and the label before the
featurizer sees the rows (it refuses ten fields, so the filter must work); every `.out` row must be the
whole input row plus the predicted rings, equal to what a direct InvokeEndpoint of the same rows
(without ID and label) answers.
"""

import csv
import io

import pytest

from emulator.config import FIXTURES_DIR
from emulator.transform import cli

pytestmark = pytest.mark.integration

ABALONE = FIXTURES_DIR / "pipelines" / "abalone.toml"
TEST_SET = FIXTURES_DIR / "abalone" / "data" / "test.csv"
JOB = [
    "--content-type",
    "text/csv",
    "--accept",
    "text/csv",
    "--split-type",
    "Line",
    "--batch-strategy",
    "MultiRecord",
    "--join-source",
    "Input",
    "--assemble-with",
    "Line",
    "--input-filter",
    "$[1:8]",
    "--max-concurrent-transforms",
    "2",
    "--no-progress",
]


def rows_of(path) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(path.read_text())) if row]


@pytest.fixture(scope="module")
def test_rows() -> list[list[str]]:
    header, *rows = rows_of(TEST_SET)
    assert header[-1] == "rings" and len(header) == 9
    return [[f"id-{n}", *row] for n, row in enumerate(rows)]


def write_parts(folder, rows: list[list[str]], parts: int = 3) -> list[list[list[str]]]:
    folder.mkdir()
    chunks = [rows[i::parts] for i in range(parts)]
    for i, chunk in enumerate(chunks):
        with (folder / f"part-{i}.csv").open("w", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(chunk)
    return chunks


def direct_predictions(endpoint, rows: list[list[str]]) -> list[str]:
    body = "".join(",".join(row[1:9]) + "\n" for row in rows).encode()
    answer = endpoint.client().invoke_endpoint(
        EndpointName=endpoint.name, ContentType="text/csv", Accept="text/csv", Body=body
    )
    return answer["Body"].read().decode().split()


def test_every_out_row_is_the_input_row_plus_the_prediction(abalone, test_rows, tmp_path, capsys):
    chunks = write_parts(tmp_path / "in", test_rows)
    code = cli.main(
        ["transform", str(ABALONE), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), *JOB]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "TransformJobStatus: Completed - 3 of 3 file(s) written, 418 records" in printed
    for i, chunk in enumerate(chunks):
        out_rows = rows_of(tmp_path / "out" / f"part-{i}.csv.out")
        assert [row[:10] for row in out_rows] == chunk
        assert [row[10] for row in out_rows] == direct_predictions(abalone, chunk)
        assert all(len(row) == 11 for row in out_rows)


def test_a_bad_row_fails_only_its_file(test_rows, tmp_path, capsys):
    write_parts(tmp_path / "in", test_rows[:30])
    (tmp_path / "in" / "part-1.csv").write_text(
        "a,M,0.5,0.4,0.1,0.5,0.2,0.1,0.1,9\nb,M,not-a-number,0.4,0.1,0.5,0.2,0.1,0.1,9\n"
    )
    code = cli.main(
        [
            "transform",
            str(ABALONE),
            "--input",
            str(tmp_path / "in"),
            "--output",
            str(tmp_path / "out"),
            *JOB,
            "--invocations-max-retries",
            "1",
        ]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["part-0.csv.out", "part-2.csv.out"]
    assert (
        "FailureReason: AlgorithmError: See job logs for more information. 1 of 3 input file(s) failed; "
        "first: part-1.csv, records 1-2: the model failed 2 attempt(s)" in printed
    )
    assert "not-a-number" in printed  # the featurizer's own 400 message comes through

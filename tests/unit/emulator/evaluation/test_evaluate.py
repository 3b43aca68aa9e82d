"""evaluate() and `byoc evaluate` against a scripted endpoint on loopback, through real boto3 (no Docker)."""

import json

import pytest

from emulator.evaluation import EvaluationError, evaluate
from tests.unit.emulator.evaluation.cli_support import byoc


def test_sum_endpoint_scores_perfectly_and_drops_label_and_columns(numbers_csv, runtime_url, fake_runtime):
    result = evaluate("sum", numbers_csv, "y", drop=["id"], endpoint_url=runtime_url, batch_rows=4, concurrency=3)
    assert result.task == "regression" and result.kind == "local"
    assert result.metrics["rmse"] == 0.0 and result.metrics["r2"] == 1.0
    assert result.metrics["rows"] == 25 and result.metrics["failed_batches"] == 0
    assert len(fake_runtime.bodies) == 7 and b"1,0.5\n2,1.0\n3,1.5\n4,2.0\n" in fake_runtime.bodies
    assert result.metrics["latency_p99_ms"] > 0 and result.metrics["rows_per_s"] > 0


def test_failed_batches_are_counted_with_their_rows(numbers_csv, runtime_url):
    lines = numbers_csv.read_text().splitlines()
    lines[6] = "boom,1,6,7"  # data row 6
    numbers_csv.write_text("\n".join(lines) + "\n")
    result = evaluate("sum", numbers_csv, "y", drop=["id"], endpoint_url=runtime_url, batch_rows=5, max_errors=1)
    assert result.metrics["failed_batches"] == 1 and result.metrics["errors"] == {"ModelError": 1}
    assert result.metrics["failed_rows"] == 5 and result.metrics["scored_rows"] == 20
    assert [(f.first_row, f.last_row) for f in result.failures] == [(6, 10)]
    assert result.predictions[5] is None and result.predictions[10] == 16.5


def test_more_failed_batches_than_max_errors_stop_the_run(numbers_csv, runtime_url):
    numbers_csv.write_text("a,b,y\n" + "boom,1,2\n" * 30)
    with pytest.raises(EvaluationError, match=r"batches failed \(ModelError x3\), more than --max-errors 2"):
        evaluate("sum", numbers_csv, "y", endpoint_url=runtime_url, batch_rows=2, max_errors=2, concurrency=1)


def test_a_missing_endpoint_stops_at_once(numbers_csv, runtime_url):
    with pytest.raises(EvaluationError, match="the endpoint is not there: Endpoint nope of account"):
        evaluate("nope", numbers_csv, "y", endpoint_url=runtime_url, max_errors=100)


def test_json_answer_with_path_and_parity_against_a_reference(numbers_csv, runtime_url, tmp_path):
    reference = tmp_path / "ref.csv"
    reference.write_text("prediction\n" + "".join(f"{i + i * 0.5 + (0.25 if i == 3 else 0)}\n" for i in range(1, 26)))
    result = evaluate(
        "json",
        numbers_csv,
        "y",
        drop=["id"],
        endpoint_url=runtime_url,
        prediction_path="response[*].score",
        reference=reference,
        thresholds=["parity_max_abs<=1e-6", "rmse<=0.1"],
    )
    assert result.metrics["parity_max_abs"] == 0.25 and result.metrics["parity_first_differing_rows"] == [3]
    assert [v.passed for v in result.verdicts] == [False, True] and not result.passed


def test_class_answers_are_classification(numbers_csv, runtime_url):
    numbers_csv.write_text("a,b,y\n" + "".join(f"{i},1,{'big' if i > 9 else 'small'}\n" for i in range(20)))
    result = evaluate("classes", numbers_csv, "y", endpoint_url=runtime_url)
    assert result.task == "classification" and result.metrics["accuracy"] == 1.0
    assert result.metrics["confusion_matrix"] == {"labels": ["big", "small"], "matrix": [[10, 0], [0, 10]]}


def test_via_transform_is_not_there_yet(numbers_csv, runtime_url):
    with pytest.raises(EvaluationError, match="--via transform is not available for this target yet") as err:
        evaluate("sum", numbers_csv, "y", endpoint_url=runtime_url, via="transform")
    assert "not built" not in err.value.hint  # byoc transform is: the hint used to say otherwise


def test_cli_exit_codes_and_summary(numbers_csv, runtime_url, tmp_path, monkeypatch, capsys):
    base = [
        "evaluate",
        "sum",
        "--data",
        str(numbers_csv),
        "--label",
        "y",
        "--drop",
        "id",
        "--endpoint-url",
        runtime_url,
        "--history",
        f"sqlite:///{tmp_path / 'h.db'}",
        "--compare",
        "--no-progress",
    ]
    assert byoc(base + ["--threshold", "rmse<=0.001", "--out", str(tmp_path / "out")], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "PASS  rmse = 0  (wanted <= 0.001)" in out and "no earlier run" in out
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["rmse"] == 0.0
    assert byoc(base + ["--threshold", "r2<0.5"], monkeypatch) == 1
    out = capsys.readouterr().out
    assert "FAIL  r2 = 1  (wanted < 0.5)" in out and "compare: against run 1" in out


def test_cli_bad_input_exits_2_without_traceback(numbers_csv, runtime_url, monkeypatch, capsys):
    argv = [
        "evaluate",
        "sum",
        "--data",
        str(numbers_csv),
        "--label",
        "rings",
        "--endpoint-url",
        runtime_url,
        "--no-history",
    ]
    assert byoc(argv, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "byoc evaluate: error: --label 'rings' is not a column" in err and "Traceback" not in err
    assert byoc(argv[:5] + ["y", "--threshold", "rmse=2", "--no-history"], monkeypatch) == 2


def test_a_definition_with_endpoint_url_is_refused(numbers_csv, tmp_path, runtime_url):
    definition = tmp_path / "pipeline.toml"
    definition.write_text('ModelName = "x"\n')
    with pytest.raises(EvaluationError, match="is a definition file, but --endpoint-url was given too"):
        evaluate(definition, numbers_csv, "y", endpoint_url=runtime_url)


@pytest.mark.parametrize(
    "options, words",
    [
        ({"batch_rows": 0}, "--batch-rows 0 is below 1"),
        ({"task": "ranking"}, "--task 'ranking' is unknown"),
        ({"prediction_path": "a[*"}, "not a path expression"),
        ({"thresholds": ["parity_max_abs<=0.1"]}, "it needs --reference"),
        ({"out": __file__}, "is a file"),
    ],
)
def test_bad_options_are_refused_before_sending(numbers_csv, runtime_url, fake_runtime, options, words):
    with pytest.raises(EvaluationError, match=words):
        evaluate("sum", numbers_csv, "y", endpoint_url=runtime_url, **options)
    assert fake_runtime.bodies == []


def test_failure_lines_are_one_line_each():
    from emulator.evaluation.sending import Failure

    assert Failure(1, 5, "ModelError", 'bad "x\n". See more').line() == 'rows 1-5: ModelError: bad "x ". See more'


def test_reports_that_cannot_be_written_are_an_error_not_a_traceback(numbers_csv, runtime_url, tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(EvaluationError, match="cannot write the reports to --out") as err:
        evaluate("sum", numbers_csv, "y", drop=["id"], endpoint_url=runtime_url, out=tmp_path / "file" / "reports")
    assert "--no-history" in err.value.message and err.value.hint


def test_a_gate_the_inferred_task_did_not_measure_keeps_the_run(numbers_csv, runtime_url, tmp_path):
    with pytest.raises(EvaluationError, match="did not measure 'accuracy'.*kept in: --out") as err:
        evaluate(
            "sum", numbers_csv, "y", drop=["id"], endpoint_url=runtime_url, thresholds=["accuracy>=0.9"], out=tmp_path
        )
    assert json.loads((tmp_path / "metrics.json").read_text())["rmse"] == 0.0 and err.value.hint


def test_a_tolerance_without_a_reference_is_refused_not_ignored(numbers_csv, runtime_url, monkeypatch, capsys):
    argv = ["evaluate", "sum", "--data", str(numbers_csv), "--label", "y", "--endpoint-url", runtime_url]
    assert byoc([*argv, "--no-history", "--tolerance", "0.1"], monkeypatch) == 2
    assert "no --reference was given" in capsys.readouterr().err

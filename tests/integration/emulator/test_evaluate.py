"""`byoc evaluate` through real containers: the fixtures' recorded figures, parity, gates, history, the report."""

import json

import numpy as np
import pytest
from PIL import Image

from emulator import LocalEndpoint
from emulator.config import FIXTURES_DIR
from emulator.evaluation import evaluate
from emulator.evaluation.history import History
from tests.integration.emulator.evaluation_support import (
    CHROMIUM,
    postgres_bin,
    screenshot,
    throwaway_postgres,
    write_skewed_abalone,
)
from tests.integration.emulator.helpers import PIPELINES, unique
from tests.unit.emulator.evaluation.cli_support import byoc

pytestmark = pytest.mark.integration
ABALONE = FIXTURES_DIR / "abalone"
SUPPORT = FIXTURES_DIR / "support"
ABALONE_ARGS = [
    "--data",
    str(ABALONE / "data/test.csv"),
    "--label",
    "rings",
    "--reference",
    str(ABALONE / "data/test_reference.csv"),
]


@pytest.fixture(scope="module")
def abalone_run(tmp_path_factory):
    """One evaluation of the abalone fixture pipeline, reports written."""
    out = tmp_path_factory.mktemp("abalone-report")
    result = evaluate(
        PIPELINES / "abalone.toml",
        ABALONE / "data/test.csv",
        "rings",
        reference=ABALONE / "data/test_reference.csv",
        out=out,
        thresholds=["rmse<=2.3", "parity_max_abs<=1e-5"],
    )
    return result, out


def test_abalone_gives_the_recorded_rmse_and_parity(abalone_run):
    result, out = abalone_run
    recorded = json.loads((ABALONE / "metrics.json").read_text())
    assert result.task == "regression" and result.metrics["scored_rows"] == recorded["test_rows"]
    assert result.metrics["rmse"] == pytest.approx(recorded["rmse"], abs=1e-4)
    assert result.metrics["parity_max_abs"] <= 1e-5 and result.metrics["parity_differing"] == 0
    assert result.passed and json.loads((out / "metrics.json").read_text())["rmse"] == result.metrics["rmse"]


def test_support_gives_the_recorded_accuracy_and_a_confusion_matrix(tmp_path, monkeypatch, capsys):
    argv = [
        "evaluate",
        str(PIPELINES / "support.toml"),
        "--data",
        str(SUPPORT / "data/test.csv"),
        "--no-header",
        "--label",
        "0",
        "--prediction-path",
        "response[*].category",
        "--reference",
        str(SUPPORT / "data/test_reference.csv"),
        "--threshold",
        "parity_mismatches==0",
        "--out",
        str(tmp_path),
        "--no-history",
        "--no-progress",
    ]
    assert byoc(argv, monkeypatch) == 0, capsys.readouterr()
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    recorded = json.loads((SUPPORT / "metrics.json").read_text())
    assert metrics["task"] == "classification"
    assert metrics["accuracy"] == pytest.approx(recorded["accuracy"], abs=1e-4)
    matrix = np.array(metrics["confusion_matrix"]["matrix"])
    assert matrix.shape == (6, 6) and matrix.sum() == recorded["test_rows"]
    assert np.trace(matrix) == round(recorded["accuracy"] * recorded["test_rows"])
    assert "PASS  parity_mismatches = 0" in capsys.readouterr().out


def test_a_skewed_featurizer_is_caught_by_parity_and_fails_the_gate(tmp_path, monkeypatch, capsys):
    definition = write_skewed_abalone(tmp_path)
    argv = [
        "evaluate",
        str(definition),
        *ABALONE_ARGS,
        "--threshold",
        "parity_max_abs<=1e-6",
        "--out",
        str(tmp_path / "out"),
        "--no-history",
        "--no-progress",
    ]
    assert byoc(argv, monkeypatch) == 1
    out = capsys.readouterr().out
    metrics = json.loads((tmp_path / "out/metrics.json").read_text())
    assert metrics["parity_differing"] > 300 and metrics["parity_max_abs"] > 0.5
    assert "FAIL  parity_max_abs" in out and "rows differ from the reference" in out


def test_endpoint_url_target_with_history_in_postgresql(tmp_path):
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries are absent: apt-get install -y postgresql")
    with (
        throwaway_postgres(bin_dir) as url,
        LocalEndpoint(PIPELINES / "abalone.toml", name=unique("evaluate"), stream_logs=False) as endpoint,
    ):
        runs = [
            evaluate(
                endpoint.name,
                ABALONE / "data/test.csv",
                "rings",
                endpoint_url=endpoint.url,
                history=url,
                batch_rows=size,
            )
            for size in (50, 200)
        ]
        stored = History(url).runs(endpoint.name, runs[0].data_digest)
    assert [r.kind for r in runs] == ["local", "local"]
    assert [r.id for r in stored] == [runs[0].history_id, runs[1].history_id]
    assert stored[1].metrics["rmse"] == pytest.approx(stored[0].metrics["rmse"], abs=1e-9)
    assert runs[1].compare_lines[0].startswith(f"compare: against run {runs[0].history_id} ")
    assert any(line.split()[0] == "rmse" and line.endswith("(+0)") for line in runs[1].compare_lines)


def test_a_missing_endpoint_exits_2(api, monkeypatch, capsys):
    """A local SageMaker that serves no such endpoint (the session's: no endpoint need start for this)."""
    argv = ["evaluate", "no-such-endpoint", *ABALONE_ARGS, "--endpoint-url", api.url, "--no-history"]
    assert byoc(argv, monkeypatch) == 2
    err = capsys.readouterr().err
    assert "the endpoint is not there" in err and "Traceback" not in err


def test_the_report_shows_its_plots_in_chromium(abalone_run, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is absent: apt-get install -y chromium")
    _, out = abalone_run
    shot = screenshot(out / "report.html", tmp_path / "report.png")
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (2000, 1200)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    scatter_blue = (blue > red + 60) & (blue > green + 20)  # tab:blue points (predicted vs actual)
    residual_orange = (red > 200) & (green > 110) & (green < 200) & (blue < 120)  # tab:orange points
    pass_green = (green > red + 60) & (green > blue + 60)  # the PASS cells
    assert scatter_blue.sum() > 2000 and residual_orange.sum() > 2000 and pass_green.sum() > 200

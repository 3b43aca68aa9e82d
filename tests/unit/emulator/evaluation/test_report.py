"""metrics.json, predictions.csv and the self-contained report.html with its plots."""

import base64
import csv
import io
import json
import re

import numpy as np
from PIL import Image

from emulator.evaluation import evaluate

IMAGE = re.compile(r"<img alt='([^']+)' src='data:image/png;base64,([A-Za-z0-9+/=]+)'>")


def pictures(page: str) -> dict[str, np.ndarray]:
    """Return the report's inlined PNGs, decoded, by caption."""
    return {
        alt: np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
        for alt, data in IMAGE.findall(page)
    }


def is_drawn(pixels: np.ndarray) -> bool:
    """Tell whether a picture holds a plot: many colours, and coloured (non-grey) pixels."""
    flat = pixels.reshape(-1, 3).astype(int)
    coloured = (flat.max(axis=1) - flat.min(axis=1)) > 60
    return len(np.unique(flat, axis=0)) > 50 and coloured.mean() > 0.005


def test_regression_report_has_both_plots_and_every_file(numbers_csv, runtime_url, tmp_path):
    reference = tmp_path / "ref.csv"
    reference.write_text("".join(f"{i * 1.5}\n" for i in range(1, 26)))
    result = evaluate(
        "sum",
        numbers_csv,
        "y",
        drop=["id"],
        endpoint_url=runtime_url,
        reference=reference,
        thresholds=["rmse<=0.5", "r2<0"],
        out=tmp_path / "out",
    )
    page = (tmp_path / "out" / "report.html").read_text()
    images = pictures(page)
    assert set(images) == {"Predicted vs actual", "Residuals"}
    assert all(is_drawn(p) and p.shape[0] > 200 for p in images.values())
    assert "<td class='pass'>PASS</td>" in page and "<td class='fail'>FAIL</td>" in page
    assert "src='http" not in page and "<script" not in page  # self-contained
    rows = list(csv.DictReader((tmp_path / "out" / "predictions.csv").open()))
    assert rows[2] == {"row": "3", "label": "4.5", "prediction": "4.5", "reference": "4.5", "difference": "0.0"}
    saved = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert saved["rmse"] == result.metrics["rmse"] and saved["parity_max_abs"] == 0.0


def test_classification_report_has_the_confusion_matrix(numbers_csv, runtime_url, tmp_path):
    numbers_csv.write_text("a,b,y\n" + "".join(f"{i},1,{'big' if i > 7 else 'small'}\n" for i in range(20)))
    evaluate("classes", numbers_csv, "y", endpoint_url=runtime_url, out=tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    images = pictures(page)
    assert list(images) == ["Confusion matrix"] and is_drawn(images["Confusion matrix"])
    assert "<h2>Per class</h2>" in page and "<td>big</td>" in page


def test_a_blank_picture_is_not_drawn():
    assert not is_drawn(np.full((100, 100, 3), 255, dtype=np.uint8))

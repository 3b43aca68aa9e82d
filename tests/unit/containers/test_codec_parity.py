"""The handlers answer every case byte for byte as the codecs before C speed did (data/expected_codecs.json).

The expected answers were computed by the Python codecs of commit 43a5153 (data/make_expected.py):
the fixtures' test sets through each handler with each Accept, and malformed or odd bodies with
their 400 messages.
"""

import base64
import hashlib
import json
from pathlib import Path

import pytest
from serving.errors import ServingError

from emulator.config import FIXTURES_DIR
from emulator.hosting.modeldata import unpack_model

from .data.cases import MODELS, cases

EXPECTED = json.loads((Path(__file__).parent / "data/expected_codecs.json").read_text())


@pytest.fixture(scope="module")
def loaded():
    """Return {name: (handler module, model)}; the postprocessor has no DynamoDB (its cases fail before a query)."""
    found = {}
    for name, (module, path) in MODELS.items():
        handler = __import__(module, fromlist=["handler"])
        folder = unpack_model(FIXTURES_DIR / path / "model.tar.gz")
        if module == "postprocessor.handler":
            found[name] = (
                handler,
                handler.Lookup(json.loads((folder / "labels.json").read_text()), "PipelineLookupTable", None),
            )
        else:
            found[name] = (handler, handler.load(folder))
    return found


@pytest.fixture(scope="module")
def all_cases(loaded):
    return cases(loaded)


def test_the_cases_are_the_recorded_ones(all_cases):
    assert len(all_cases) == len(EXPECTED)
    for case, expected in zip(all_cases, EXPECTED, strict=True):
        body = base64.b64decode(case["body"])
        assert (case["model"], case["content_type"], case["accept"]) == (
            expected["model"],
            expected["content_type"],
            expected["accept"],
        )
        assert hashlib.sha256(body).hexdigest() == expected["body_sha256"], f"input changed: {expected['body_head']!r}"


@pytest.mark.parametrize("number", range(len(EXPECTED)))
def test_same_answer_as_before(number, loaded, all_cases):
    case, expected = all_cases[number], EXPECTED[number]
    handler, model = loaded[case["model"]]
    try:
        output, content_type = handler.invoke(
            model, base64.b64decode(case["body"]), case["content_type"], case["accept"]
        )
    except ServingError as err:
        assert (err.status, err.message) == (expected["status"], expected.get("message")), expected["body_head"]
        return
    assert expected["status"] == 200, f"{expected['body_head']!r} should fail: {expected.get('message')}"
    assert content_type == expected["answer_type"]
    assert output[:120].decode() == expected["head"]
    assert (len(output), hashlib.sha256(output).hexdigest()) == (expected["length"], expected["sha256"])

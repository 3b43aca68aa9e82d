"""Write expected_codecs.json: the handlers' answers computed by the codecs of commit 43a5153 (before C speed).

Run from the repository root at that commit: `python tests/unit/containers/data/make_expected.py`.
The new codecs must give the same bytes (tests/unit/containers/test_codec_parity.py).
"""

import base64
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
sys.path[:0] = [str(ROOT / "containers"), str(ROOT)]

from serving.errors import ServingError  # noqa: E402

from emulator.config import FIXTURES_DIR  # noqa: E402
from emulator.hosting.modeldata import unpack_model  # noqa: E402
from tests.unit.containers.data.cases import MODELS, cases  # noqa: E402


def answer(handler, model, case: dict) -> dict:
    """Return the handler's answer to one case: status with output bytes or message."""
    body = base64.b64decode(case["body"])
    try:
        output, content_type = handler.invoke(model, body, case["content_type"], case["accept"])
    except ServingError as err:
        return {"status": err.status, "message": err.message}
    return {
        "status": 200,
        "answer_type": content_type,
        "sha256": hashlib.sha256(output).hexdigest(),
        "length": len(output),
        "head": output[:120].decode(),
    }


def main() -> None:
    loaded = {}
    for name, (module, path) in MODELS.items():
        handler = __import__(module, fromlist=["handler"])
        if module == "postprocessor.handler":
            labels = json.loads((unpack_model(FIXTURES_DIR / path / "model.tar.gz") / "labels.json").read_text())
            loaded[name] = (handler, handler.Lookup(labels, "PipelineLookupTable", None))
        else:
            loaded[name] = (handler, handler.load(unpack_model(FIXTURES_DIR / path / "model.tar.gz")))
    results = []
    for case in cases(loaded):
        handler, model = loaded[case["model"]]
        body = base64.b64decode(case["body"])
        short = {"body_sha256": hashlib.sha256(body).hexdigest(), "body_head": body[:80].decode(errors="replace")}
        results.append({**case, **answer(handler, model, case), **short, "body": None})
    out = Path(__file__).with_name("expected_codecs.json")
    out.write_text("[\n" + ",\n".join(json.dumps(result) for result in results) + "\n]\n")
    print(f"{out}: {len(results)} cases")


if __name__ == "__main__":
    main()

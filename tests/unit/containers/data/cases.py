"""The request bodies whose answers must not change when the codecs change: the fixtures' test sets and malformed
bodies.
"""

import base64
import json

from emulator.config import FIXTURES_DIR

MODELS = {
    "abalone_featurizer": ("featurizer.handler", "abalone/featurizer"),
    "abalone_predictor": ("predictor.handler", "abalone/predictor"),
    "support_featurizer": ("featurizer.handler", "support/preprocessor"),
    "support_predictor": ("predictor.handler", "support/predictor"),
    "postprocessor": ("postprocessor.handler", "support/postprocessor"),
}
CSV, JSON = "text/csv", "application/json"
ROW10 = "0.5,-1.25,3,0,1e-05,2.5e-7,1,0,0,1"

MALFORMED = {
    "abalone_predictor": [
        (b"", CSV),
        (b"  \n\n", CSV),
        (b"\xff\xfe1,2", CSV),
        (b",,\n , \n", CSV),
        (b"1,2,3\n", CSV),
        (b"a,b,c,d,e,f,g,h,i,j\n", CSV),
        (f"{ROW10}\n1,2\n".encode(), CSV),
        (f"{ROW10}\n{ROW10}\n1,2,3,x,5,6,7,8,9,10\n".encode(), CSV),
        (b"NA,2,3,4,5,6,7,8,9,10\n", CSV),
        (b"true,2,3,4,5,6,7,8,9,10\n", CSV),
        (b"1,2,3,4,5,6,7,8,9,10#c\n", CSV),
        (b"inf,2,3,4,5,6,7,8,9,10\n", CSV),
        (b"1e39,2,3,4,5,6,7,8,9,10\n", CSV),
        (b"[1,2],3,4,5,6,7,8,9,10\n", CSV),
        (b'"1,2",3,4,5,6,7,8,9,10\n', CSV),
        (b"1,2,3,4,5,6,7,8,9,10\r11,2,3\n", CSV),
        (b'{"instances": [[1, 2]]}', JSON),
        (b"[[1e39, 0, 0, 0, 0, 0, 0, 0, 0, 0]]", JSON),
        (b"{oops", JSON),
        (b'{"instances": []}', JSON),
        (b"5", JSON),
        (b'{"rows": [[1]]}', JSON),
        (b"[[true,2,3,4,5,6,7,8,9,10]]", JSON),
        (b'[[{"a":1},2,3,4,5,6,7,8,9,10]]', JSON),
        (b"[[Infinity,2,3,4,5,6,7,8,9,10]]", JSON),
        (b"[[1,2,3,4,5,6,7,8,9,10], 7]", JSON),
        (b'[["x",2,3,4,5,6,7,8,9,10]]', JSON),
        (b"", JSON),
        (b"[1,2", JSON),
        (b"\xff", JSON),
    ],
    "abalone_featurizer": [
        (b"", CSV),
        (b"M,0.5,0.4\n", CSV),
        (b"M,0.5,0.4,0.1,0.5,0.2,0.1,0.1,9,9\n", CSV),
        (b"M,big,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV),
        (b"M,inf,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV),
        (b"M,0.5,0.4,0.1,0.5,0.2,0.1,0.1\nF,0.5,0.4,0.1,0.5,0.2,0.1,NA\n", CSV),
        (b'{"instances": [{"sex": "M"}]}', JSON),
        (b'{"instances": [{"sex": "M", "colour": 1}]}', JSON),
        (b'{"instances": [5]}', JSON),
        (b"sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight\n", CSV),
        (b'{"instances": [["M", true, 0.4, 0.1, 0.5, 0.2, 0.1, 0.1]]}', JSON),
        (b"{oops", JSON),
        (b"\xff\xfe", CSV),
    ],
    "support_featurizer": [
        (b'{"instances": [[1, 2]]}', JSON),
        (b'{"instances": ["deduction"]}', JSON),
        (b"", CSV),
        (b",\n", CSV),
        (b"{", JSON),
    ],
    "postprocessor": [
        (b"9.0\n", CSV),
        (b"1.5\n", CSV),
        (b"x\n", CSV),
        (b"1,2\n", CSV),
        (b"-1\n", CSV),
        (b'{"predictions": [7]}', JSON),
        (b'{"predictions": []}', JSON),
        (b"", CSV),
        (b"nan\n", CSV),
    ],
}

VALID = {
    "abalone_predictor": [
        (f"{ROW10}\n".encode(), CSV),
        (f"\ufeff{ROW10}\r\n\r\n {ROW10.replace(',', ' , ')} \n".encode(), CSV),
        (b"1,2,3,4,5,6,7,8,9,\n,,,,,,,,,1\n", CSV),
        (b"nan,1_0,+3,.5,5.,-0,1E2,8,9,10\n", CSV),
        (b'"1",2,3,4,5,6,7,8,9,10\n', CSV),
        (b"1,2,3,4,5,6,7,8,9,10\r2,2,3,4,5,6,7,8,9,10\r", CSV),
        (b"12345678901234567890,2,3,4,5,6,7,8,9,10\n", CSV),
        (f"[[{ROW10}], [{ROW10}]]".encode(), JSON),
        (b'[[null,"2","",4,5,6,7,8,9,10]]', JSON),
        (b"[[NaN,2,3,4,5,6,7,8,9,10]]", JSON),
        (b"[[1,2,3,4,5,6,7,8,9,12345678901234567890123]]", JSON),
    ],
    "abalone_featurizer": [
        (b"X,,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV),
        (b" m , 0.5 ,0.4,0.1,0.5,0.2,0.1,0.1\n\n", CSV),
        (b'{"instances": [["M", null, "0.4", 0.1, 0.5, 0.2, 0.1, 0.1]]}', JSON),
        (b"nan,0.5,0.4,0.1,0.5,0.2,0.1,0.1\n", CSV),
    ],
    "support_featurizer": [(b"medical,deduction,irs,zzz\n\n, hsa ,\n", CSV), (b'[["deduction", " irs "], []]', JSON)],
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_sets(loaded: dict) -> list[tuple[str, bytes, str]]:
    """Return (model, body, content type) for each fixture test set, and the predictors' inputs made by the
    featurizers.
    """
    abalone = (FIXTURES_DIR / "abalone/data/test.csv").read_bytes()
    support = (FIXTURES_DIR / "support/data/test.csv").read_bytes()
    lines = abalone.decode().splitlines()
    as_json = json.dumps(
        {"instances": [[v if i == 0 else float(v) for i, v in enumerate(line.split(","))] for line in lines[1:]]}
    ).encode()
    found = [
        ("abalone_featurizer", abalone, CSV),
        ("abalone_featurizer", as_json, JSON),
        ("support_featurizer", support, CSV),
    ]
    for featurizer, predictor, body in (
        ("abalone_featurizer", "abalone_predictor", abalone),
        ("support_featurizer", "support_predictor", support),
    ):
        handler, model = loaded[featurizer]
        features, _ = handler.invoke(model, body, CSV, CSV)
        found.append((predictor, features, CSV))
        document, _ = handler.invoke(model, body, CSV, JSON)
        found.append((predictor, document, JSON))
    return found


def cases(loaded: dict) -> list[dict]:
    """Return every case: each body with each Accept its model answers."""
    bodies = test_sets(loaded)
    for table in (MALFORMED, VALID):
        bodies += [(model, body, content_type) for model, items in table.items() for body, content_type in items]
    accepts = {"postprocessor": [None]}
    return [
        {"model": model, "body": b64(body), "content_type": content_type, "accept": accept}
        for model, body, content_type in bodies
        for accept in accepts.get(model, [CSV, JSON])
    ]

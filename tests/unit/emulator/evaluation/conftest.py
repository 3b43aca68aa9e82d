"""A scripted SageMaker Runtime endpoint on loopback (stdlib HTTP server), called through real boto3."""

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config


def answer(path: str, body: bytes) -> tuple[int, dict, bytes]:
    """Play the model: `/endpoints/sum` answers the sum of each CSV row; a row holding `boom` fails its batch."""
    name = path.split("/")[2]
    if name not in ("sum", "json", "classes"):
        return (
            400,
            {"x-amzn-ErrorType": "ValidationError"},
            json.dumps({"message": f"Endpoint {name} of account 000000000000 not found."}).encode(),
        )
    rows = list(csv.reader(io.StringIO(body.decode())))
    if any("boom" in row for row in rows):
        return (
            424,
            {"x-amzn-ErrorType": "ModelError"},
            json.dumps({"Message": "Received server error (500) from model"}).encode(),
        )
    sums = [sum(float(v) for v in row) for row in rows]
    if name == "json":
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"response": [{"score": s} for s in sums]}).encode(),
        )
    if name == "classes":
        return 200, {"Content-Type": "text/csv"}, "".join(f"{'big' if s > 10 else 'small'}\n" for s in sums).encode()
    return 200, {"Content-Type": "text/csv"}, "".join(f"{s!r}\n" for s in sums).encode()


class Handler(BaseHTTPRequestHandler):
    """Route POST /endpoints/NAME/invocations to answer()."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.bodies.append(body)
        status, headers, data = answer(self.path, body)
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def fake_runtime():
    """Yield the URL of the scripted endpoint server; `server.bodies` keeps every request body."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def runtime_url(fake_runtime):
    fake_runtime.bodies.clear()
    return f"http://127.0.0.1:{fake_runtime.server_address[1]}"


@pytest.fixture
def client(runtime_url):
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=runtime_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def numbers_csv(tmp_path):
    """A data file: two features and a label y = a + b, 25 rows (so regression has many distinct values)."""
    path = tmp_path / "numbers.csv"
    lines = ["a,b,id,y"] + [f"{i},{i * 0.5},{i},{i + i * 0.5}" for i in range(1, 26)]
    path.write_text("\n".join(lines) + "\n")
    return path

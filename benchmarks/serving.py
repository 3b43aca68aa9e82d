"""Print the serving stack's figures, straight to the containers (`python benchmarks/serving.py`).

    python benchmarks/serving.py [--prefix byoc] [--tag latest] [--requests 300]

- one-row p50 per container (abalone featurizer, support featurizer, abalone predictor, postprocessor);
  target for the featurizers: 4 ms;
- the stack's own cost: a trivial echo handler in a container (nginx + gunicorn + Flask) minus the
  same handler called in-process, p50 of one-row requests; target: 1 ms;
- a 10,032-row abalone request (the test set 24 times, featurized) through the predictor, against
  xgboost's in-process `inplace_predict` on the same matrix; target: 1.5 x that + 20 ms;
- featurizer -> predictor rows per second at 418 and 10,032 rows per request; target: 60,000 rows/s
  at 10,032 rows;
- each image's size; target for the moto image: 150 MB.
Every request goes over keep-alive HTTP to ports published on 127.0.0.1; the containers carry the
project label and the benchmark's own, and are removed at the end, also after an error or Ctrl-C.
"""

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import docker
import numpy as np
import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault(
    "OMP_WAIT_POLICY", "PASSIVE"
)  # this process's XGBoost must not spin on the CPUs the containers use

from benchmarks.figures import Figure  # noqa: E402
from emulator.config import FIXTURES_DIR, LABEL, LABEL_VALUE  # noqa: E402
from emulator.hosting.modeldata import unpack_model  # noqa: E402
from emulator.invocation.chain import percentile  # noqa: E402

BENCH_LABEL = "com.byoc.benchmark"
TRIVIAL_HANDLER = '''"""Echo the body: the cheapest handler, to measure the stack around it."""


def load(model_dir):
    return object()


def invoke(model, body, content_type, accept):
    return body, "text/csv"
'''
AWS_ENV = {"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
READY_TIMEOUT_S = 90
REPEAT = 24  # the 418-row abalone test set 24 times: 10,032 rows
SECTION = "containers"
IMAGES = ("featurizer", "predictor", "postprocessor", "moto")


class Bench:
    """The containers this run started (removed by close) and one keep-alive pool per container."""

    def __init__(self, client: docker.DockerClient, prefix: str, tag: str):
        self.client, self.prefix, self.tag = client, prefix, tag
        self.containers: list = []
        self.network = None
        self.pools: dict[str, urllib3.HTTPConnectionPool] = {}

    def start(
        self,
        image: str,
        port: int = 8080,
        model: Path | None = None,
        env: dict | None = None,
        volumes: dict | None = None,
        alias: str | None = None,
    ) -> str:
        """Start a labelled container with its port published on 127.0.0.1; return its base URL once /ping is 200."""
        volumes = dict(volumes or {})
        if model is not None:
            volumes[str(model)] = {"bind": "/opt/ml/model", "mode": "ro"}
        container = self.client.containers.create(
            f"{self.prefix}/{image}:{self.tag}",
            command=None if image == "moto" else ["serve"],
            labels={LABEL: LABEL_VALUE, BENCH_LABEL: "serving"},
            environment=env or {},
            volumes=volumes,
            ports={f"{port}/tcp": ("127.0.0.1", None)},
            network=self.network.name if alias else None,
            networking_config={self.network.name: self.client.api.create_endpoint_config(aliases=[alias])}
            if alias
            else None,
        )
        self.containers.append(container)
        container.start()
        container.reload()
        url = f"http://127.0.0.1:{container.attrs['NetworkSettings']['Ports'][f'{port}/tcp'][0]['HostPort']}"
        self._wait_ready(container, url, "/" if image == "moto" else "/ping")
        return url

    def _wait_ready(self, container, url: str, path: str) -> None:
        """Poll until the container answers 200, or raise with its log."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if self.pool(url).request("GET", path, retries=False, timeout=2).status == 200:
                    return
            except urllib3.exceptions.HTTPError:
                pass
            container.reload()
            if container.status == "exited":
                break
            time.sleep(0.1)
        raise RuntimeError(
            f"{container.name} never answered {path}:\n{container.logs(tail=30).decode(errors='replace')}"
        )

    def pool(self, url: str) -> urllib3.HTTPConnectionPool:
        if url not in self.pools:
            self.pools[url] = urllib3.connection_from_url(url, maxsize=4, retries=False, timeout=60)
        return self.pools[url]

    def post(
        self, url: str, body: bytes, content_type: str = "text/csv", accept: str | None = None
    ) -> tuple[bytes, str, float]:
        """POST /invocations; return the body, its content type and the milliseconds it took."""
        headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}
        started = time.perf_counter()
        answer = self.pool(url).urlopen("POST", "/invocations", body=body, headers=headers, retries=False)
        ms = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise RuntimeError(f"{url} answered {answer.status}: {answer.data[:300]!r}")
        return answer.data, answer.headers.get("Content-Type", ""), ms

    def close(self) -> None:
        """Remove every container and the network this run made."""
        for pool in self.pools.values():
            pool.close()
        for container in self.containers:
            try:
                container.remove(force=True)
            except docker.errors.APIError:
                pass
        if self.network is not None:
            self.network.remove()


def p50_ms(bench: Bench, url: str, body: bytes, count: int, content_type: str = "text/csv") -> float:
    """Return the p50 of `count` requests after a warm-up of 20."""
    for _ in range(20):
        bench.post(url, body, content_type)
    return percentile([bench.post(url, body, content_type)[2] for _ in range(count)], 0.5)


def line(
    what: str, value: float, unit: str, target: float | None = None, higher_is_better: bool = False, note: str = ""
) -> Figure:
    """Print one figure with its target and ratio; return it."""
    figure = Figure(SECTION, what, value, unit, target, higher_is_better, note)
    print(figure.line(), flush=True)
    return figure


def one_row(bench: Bench, urls: dict[str, str], count: int) -> list[Figure]:
    """Print the one-row p50 of each container."""
    print("one-row requests, p50")
    figures = []
    rows = {
        "abalone featurizer": (urls["abalone_featurizer"], "abalone/featurizer", 4.0),
        "support featurizer": (urls["support_featurizer"], "support/preprocessor", 4.0),
        "abalone predictor": (urls["abalone_predictor"], "abalone/predictor", None),
        "support postprocessor (one DynamoDB query)": (urls["postprocessor"], "support/postprocessor", None),
    }
    for what, (url, fixture, target) in rows.items():
        body = (FIXTURES_DIR / fixture / "sample.csv").read_bytes().splitlines()[0] + b"\n"
        figures.append(line(f"{what}, one row, p50", p50_ms(bench, url, body, count), "ms", target))
    return figures


def stack_cost(bench: Bench, url: str, handler_path: Path, count: int) -> list[Figure]:
    """Print the trivial handler's p50 through the stack minus its p50 in-process."""
    spec = importlib.util.spec_from_file_location("bench_trivial", handler_path)
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    body = (FIXTURES_DIR / "abalone/featurizer/sample.csv").read_bytes().splitlines()[0] + b"\n"
    model = handler.load(None)
    spent = []
    for _ in range(count):
        started = time.perf_counter()
        handler.invoke(model, body, "text/csv", None)
        spent.append((time.perf_counter() - started) * 1000)
    in_process = percentile(spent, 0.5)
    served = p50_ms(bench, url, body, count)
    print("the stack's own cost (trivial echo handler, one row)")
    return [
        line("trivial handler in-process, p50", in_process, "ms"),
        line("trivial handler through the container, p50", served, "ms"),
        line("stack cost: container - in-process, one row, p50", served - in_process, "ms", 1.0),
    ]


def big_predict(bench: Bench, urls: dict[str, str], raw: bytes, count: int) -> list[Figure]:
    """Print the 10,032-row predictor time against xgboost's in-process predict on the same matrix."""
    import xgboost as xgb

    features, content_type, _ = bench.post(urls["abalone_featurizer"], raw)
    matrix = np.array([[float(v) for v in row.split(b",")] for row in features.splitlines()], dtype=np.float32)
    booster = xgb.Booster()
    booster.load_model(str(unpack_model(FIXTURES_DIR / "abalone/predictor/model.tar.gz") / "xgboost-model.json"))
    spent = []
    for _ in range(count + 3):
        started = time.perf_counter()
        booster.inplace_predict(matrix)
        spent.append((time.perf_counter() - started) * 1000)
    in_process = percentile(spent[3:], 0.5)
    for _ in range(4):  # every worker warm
        bench.post(urls["abalone_predictor"], features, content_type)
    served = percentile([bench.post(urls["abalone_predictor"], features, content_type)[2] for _ in range(count)], 0.5)
    print(f"{len(matrix):,}-row predictor request ({len(features):,} bytes of features)")
    rows = f"{len(matrix):,}-row"
    return [
        line(f"xgboost inplace_predict in-process, {rows} matrix, p50", in_process, "ms"),
        line(
            f"predictor container, {rows} request, p50",
            served,
            "ms",
            1.5 * in_process + 20,
            note="target 1.5 x in-process + 20 ms",
        ),
    ]


def chain_rate(bench: Bench, urls: dict[str, str], raw_rows: list[bytes], count: int) -> list[Figure]:
    """Print featurizer -> predictor rows per second at 418 and 10,032 rows per request."""
    print("featurizer -> predictor, one request at a time")
    figures = []
    for repeat, target in ((1, None), (REPEAT, 60000.0)):
        body = b"\n".join(raw_rows * repeat) + b"\n"
        spent = []
        for _ in range(count + 4):
            started = time.perf_counter()
            features, content_type, _ = bench.post(urls["abalone_featurizer"], body)
            bench.post(urls["abalone_predictor"], features, content_type)
            spent.append(time.perf_counter() - started)
        rows = len(raw_rows) * repeat
        figures.append(
            line(
                f"featurizer -> predictor pair, {rows:,} rows a request (p50 of {count})",
                rows / percentile(spent[4:], 0.5),
                "rows/s",
                target,
                True,
            )
        )
    return figures


def image_sizes(client: docker.DockerClient, prefix: str, tag: str) -> list[Figure]:
    """Print each image's size; the moto image's is held to 150 MB."""
    print("images")
    figures = []
    for image in IMAGES:
        size = client.images.get(f"{prefix}/{image}:{tag}").attrs["Size"] / 1e6
        figures.append(line(f"{prefix}/{image}:{tag} size", size, "MB", 150.0 if image == "moto" else None))
    return figures


def seed_moto(url: str) -> None:
    """Create and fill the agents table in the moto server."""
    import boto3

    seed = json.loads((FIXTURES_DIR / "support/dynamodb/PipelineLookupTable.json").read_text())
    table = boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_table(**seed["table"])
    for item in seed["items"]:
        table.put_item(Item=item)


def start_all(bench: Bench, handler_dir: Path) -> dict[str, str]:
    """Start every container the figures need; return their URLs by role."""
    model = lambda path: unpack_model(FIXTURES_DIR / path / "model.tar.gz")  # noqa: E731
    bench.network = bench.client.networks.create(
        f"byoc-bench-{int(time.time())}", labels={LABEL: LABEL_VALUE, BENCH_LABEL: "serving"}
    )
    moto = bench.start("moto", 5000, alias="dynamodb")
    seed_moto(moto)
    trivial_env = {"PYTHONPATH": "/opt/program:/opt/bench", "BYOC_HANDLER": "bench_trivial"}
    return {
        "abalone_featurizer": bench.start("featurizer", model=model("abalone/featurizer")),
        "support_featurizer": bench.start("featurizer", model=model("support/preprocessor")),
        "abalone_predictor": bench.start("predictor", model=model("abalone/predictor")),
        "postprocessor": bench.start(
            "postprocessor",
            model=model("support/postprocessor"),
            alias="postprocessor",
            env={**AWS_ENV, "AWS_ENDPOINT_URL_DYNAMODB": "http://dynamodb:5000"},
        ),
        "trivial": bench.start(
            "predictor",
            model=model("abalone/predictor"),
            env=trivial_env,
            volumes={str(handler_dir): {"bind": "/opt/bench", "mode": "ro"}},
        ),
    }


def run(prefix: str = "byoc", tag: str = "latest", requests: int = 300) -> list[Figure]:
    """Start the containers, print every figure, remove the containers; return the figures."""
    client = docker.from_env()
    bench = Bench(client, prefix, tag)
    raw_rows = (FIXTURES_DIR / "abalone/data/test.csv").read_bytes().splitlines()[1:]
    try:
        with tempfile.TemporaryDirectory(prefix="byoc-bench-") as handler_dir:
            Path(handler_dir).chmod(0o755)
            (Path(handler_dir) / "bench_trivial.py").write_text(TRIVIAL_HANDLER)
            urls = start_all(bench, Path(handler_dir))
            print(f"images {prefix}/*:{tag}; {requests} one-row requests per figure")
            big = max(10, requests // 10)
            return [
                *one_row(bench, urls, requests),
                *stack_cost(bench, urls["trivial"], Path(handler_dir) / "bench_trivial.py", requests),
                *big_predict(bench, urls, b"\n".join(raw_rows * REPEAT) + b"\n", big),
                *chain_rate(bench, urls, raw_rows, big),
                *image_sizes(client, prefix, tag),
            ]
    finally:
        bench.close()


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default="byoc", help="image repository prefix (default byoc: byoc/featurizer ...)")
    parser.add_argument("--tag", default="latest")
    parser.add_argument("--requests", type=int, default=300, help="one-row requests per figure (big requests: a tenth)")
    args = parser.parse_args(argv)
    run(args.prefix, args.tag, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())

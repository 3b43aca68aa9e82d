"""Run both demo pipelines end to end through boto3 and print real predictions (`tox -e demo`).

    python -m emulator.demo [--logs]

Builds whatever image is missing, starts abalone (featurizer -> predictor) and support
(preprocessor -> predictor -> postprocessor, DynamoDB in moto) behind one local SageMaker Runtime API,
calls them with boto3 exactly as a live endpoint is called, prints the answers and tears everything down.
"""

import argparse
import json
import statistics
import sys
import time

from botocore.exceptions import ClientError

from emulator.config import FIXTURES_DIR, IMAGE_NAMES, SERVICE_IMAGE_NAMES, Settings, reaper_off
from emulator.errors import ByocError

PIPELINES = FIXTURES_DIR / "pipelines"
AGE_OFFSET_YEARS = 1.5  # abalone age in years = rings + 1.5


def ensure_images(say=print) -> None:
    """Build every project image that is not present yet (`byoc build --if-missing`)."""
    from emulator.docker import images

    images.build_images(Settings.from_env(), IMAGE_NAMES + SERVICE_IMAGE_NAMES, only_missing=True, say=say)


def timed_invoke(client, name: str, body: bytes, content_type: str, accept: str) -> tuple[str, float]:
    """Invoke once; return the decoded body and the round trip in ms."""
    started = time.perf_counter()
    answer = client.invoke_endpoint(EndpointName=name, Body=body, ContentType=content_type, Accept=accept)
    text = answer["Body"].read().decode()
    return text, (time.perf_counter() - started) * 1000


def run_abalone(endpoint, say=print) -> None:
    """Predict the sample abalone rows one by one and print rings and age."""
    client = endpoint.client()
    lines = (FIXTURES_DIR / "abalone/featurizer/sample.csv").read_text().splitlines()
    say(f"\nabalone: {len(lines)} sample rows -> {' -> '.join(c.hostname for c in endpoint.containers)}")
    say(f"  {'sex,length,diameter,height,whole,shucked,viscera,shell':58} {'rings':>7} {'age (years)':>12} {'ms':>7}")
    latencies = []
    for line in lines:
        text, ms = timed_invoke(client, endpoint.name, line.encode(), "text/csv", "text/csv")
        rings = float(text.strip().splitlines()[0])
        latencies.append(ms)
        say(f"  {line:58} {rings:7.2f} {rings + AGE_OFFSET_YEARS:12.1f} {ms:7.1f}")
    _say_latency(say, latencies)


def run_support(endpoint, say=print) -> None:
    """Route the sample support questions and print the category and the agent found in DynamoDB."""
    client = endpoint.client()
    lines = (FIXTURES_DIR / "support/preprocessor/sample.csv").read_text().splitlines()
    say(
        f"\nsupport: {len(lines)} questions -> {' -> '.join(c.hostname for c in endpoint.containers)}"
        " (+ DynamoDB in moto)"
    )
    text, ms = timed_invoke(client, endpoint.name, "\n".join(lines).encode(), "text/csv", "application/json")
    rows = json.loads(text)["response"]
    for keywords, row in zip(lines, rows, strict=False):
        agent = row["agent"]
        who = (
            f"{agent['FirstName']} {agent['LastName']} (agent {agent['ID']})" if agent else "no agent available (null)"
        )
        say(f"  {keywords:56} -> {row['category']:14} {who}")
    singles = [timed_invoke(client, endpoint.name, line.encode(), "text/csv", "application/json")[1] for line in lines]
    say(f"  whole batch in {ms:.1f} ms")
    _say_latency(say, singles)


def _say_latency(say, latencies: list[float]) -> None:
    say(
        f"  latency per call through boto3: median {statistics.median(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms over {len(latencies)} calls"
    )


def main(argv: list[str] | None = None) -> int:
    """Build what is missing, run both pipelines, print the answers; errors as messages."""
    parser = argparse.ArgumentParser(prog="python -m emulator.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--logs", action="store_true", help="stream the containers' logs to stderr")
    args = parser.parse_args(argv)
    reaper_off()
    try:
        ensure_images()
        from emulator.hosting.endpoint import LocalEndpoint
        from emulator.hosting.service import LocalSageMaker

        with LocalSageMaker() as api:
            print(f"local SageMaker (control plane and Runtime API) at {api.url}")
            for definition, run in (("abalone.toml", run_abalone), ("support.toml", run_support)):
                with LocalEndpoint(PIPELINES / definition, sagemaker=api, stream_logs=args.logs) as endpoint:
                    print(f"\nendpoint {endpoint.name}: every /ping green {endpoint.ready_s:.2f} s after start")
                    run(endpoint)
        print("\ndone: every container and network is removed")
        return 0
    except ClientError as err:
        error = err.response.get("Error", {})
        print(f"demo: the endpoint answered {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
        return 1
    except ByocError as err:
        print(f"demo: error: {err.message}", file=sys.stderr)
        if err.hint:
            print(f"  what to do: {err.hint}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

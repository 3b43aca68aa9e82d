"""An in-process moto server for unit tests (no Docker): its state is reset before and after, as moto's is global."""

import contextlib
import urllib.request

import pytest


@contextlib.contextmanager
def moto_url():
    """Yield the URL of a fresh ThreadedMotoServer on 127.0.0.1 (skips the test where moto is not installed)."""
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    reset(url)
    try:
        yield url
    finally:
        reset(url)
        server.stop()


def reset(url: str) -> None:
    """Forget every bucket, table, log group ... (moto's backends are shared by every server in the process)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()


@contextlib.contextmanager
def s3_with_bucket(bucket: str):
    """Yield an S3 client of a fresh in-process moto server holding an empty `bucket`."""
    from emulator.aws import local_client

    with moto_url() as url:
        client = local_client("s3", url)
        client.create_bucket(Bucket=bucket)
        yield client

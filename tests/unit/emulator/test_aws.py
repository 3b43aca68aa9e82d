"""The one client factory: clients of one region come from one warm session, each bound to its own URL."""

import threading

import pytest

from emulator import aws
from emulator.cli import main
from emulator.errors import ByocError


def test_clients_share_a_session_per_region_and_keep_their_own_url_and_region():
    first = aws.local_client("sts", "http://127.0.0.1:1")
    second = aws.local_client("sts", "http://127.0.0.1:2", "eu-west-1")
    again = aws.local_client("dynamodb", "http://127.0.0.1:3")
    assert first.meta.endpoint_url == "http://127.0.0.1:1" and first.meta.region_name == "us-east-1"
    assert second.meta.endpoint_url == "http://127.0.0.1:2" and second.meta.region_name == "eu-west-1"
    assert again.meta.endpoint_url == "http://127.0.0.1:3"
    assert set(aws._SESSIONS) >= {"us-east-1", "eu-west-1"}
    assert first.meta.config.connect_timeout == 5


def test_clients_made_from_many_threads_at_once():
    made, errors = [], []

    def make(n):
        try:
            made.append(aws.local_client("logs", f"http://127.0.0.1:{n}"))
        except Exception as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=make, args=(1000 + n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len({c.meta.endpoint_url for c in made}) == 8


@pytest.mark.parametrize("url", ["notaurl", "http://[::1"])
def test_a_malformed_url_is_a_byoc_error_saying_what_to_give(url):
    with pytest.raises(ByocError, match="cannot call") as err:
        aws.local_client("sagemaker-runtime", url)
    assert "http://HOST:PORT" in (err.value.hint or "")


def test_invoke_with_a_malformed_url_is_a_message_not_a_traceback(capsys):
    assert main(["invoke", "abalone", "--body", "1", "--url", "notaurl"]) == 2
    err = capsys.readouterr().err
    assert "byoc invoke: error: cannot call 'notaurl'" in err and "Traceback" not in err

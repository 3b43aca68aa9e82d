"""Waiting for an endpoint: one line per status, an update not yet shown is waited for, a rollback is a failure."""

import pytest

from emulator.live import DeployError
from emulator.live.waiting import wait_in_service


class Answers:
    """DescribeEndpoint answering the given descriptions in turn (the last one for ever)."""

    def __init__(self, *answers):
        self.answers = list(answers)

    def describe_endpoint(self, EndpointName):  # noqa: N803 - boto3's spelling
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class NoLogs:
    def describe_log_streams(self, **kwargs):
        return {"logStreams": [{"logStreamName": "AllTraffic/i-local/predictor"}]}

    def get_log_events(self, **kwargs):
        return {"events": [{"message": "Traceback: boom\n"}]}


def status(value, config="new", reason=None):
    return {"EndpointStatus": value, "EndpointConfigName": config, **({"FailureReason": reason} if reason else {})}


def test_an_update_not_yet_shown_is_waited_for():
    lines = []
    sm = Answers(status("InService", "old"), status("Updating", "old"), status("InService", "new"))
    assert wait_in_service(sm, NoLogs(), "ep", "new", lines.append, poll_s=0)["EndpointConfigName"] == "new"
    assert [line.split(" (")[0] for line in lines] == [
        "endpoint ep: InService",
        "endpoint ep: Updating",
        "endpoint ep: InService",
    ]


def test_a_rollback_names_the_reason_and_the_containers_last_lines():
    reason = "The predictor for production variant AllTraffic did not pass the ping health check."
    sm = Answers(status("Updating", "old"), status("RollingBack", "old"), status("InService", "old", reason))
    with pytest.raises(DeployError) as caught:
        wait_in_service(sm, NoLogs(), "ep", "new", lambda _: None, poll_s=0)
    assert "the update was rolled back to old: The predictor for production variant" in caught.value.message
    assert "AllTraffic/i-local/predictor: Traceback: boom" in caught.value.message


def test_failed_says_why():
    sm = Answers(status("Creating"), status("Failed", reason="no capacity"))
    with pytest.raises(DeployError, match="endpoint ep failed: no capacity"):
        wait_in_service(sm, NoLogs(), "ep", "new", lambda _: None, poll_s=0)

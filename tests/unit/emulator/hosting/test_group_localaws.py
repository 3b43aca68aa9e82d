"""A ContainerGroup given the session's LocalAws: no moto of its own, tables and logs in the shared server."""

import io
from dataclasses import replace

import pytest

from emulator.aws import local_client
from emulator.hosting.group import ContainerGroup
from emulator.hosting.plan import MOTO_ALIAS, Access
from emulator.hosting.sidecars import dynamodb_client, seed_tables
from emulator.sagemaker import log_group
from tests.unit.emulator.hosting.fakes import FakeDocker, Pings, images_for, make_spec, table
from tests.unit.emulator.inprocess_moto import moto_url

IP = Access(False, "127.0.0.1", "test")


class SessionAws:
    """Stands in for LocalAws: a real in-process moto behind it, attach/detach recorded."""

    def __init__(self, url: str):
        self.url, self.container_url, self.region = url, "http://byoc-aws:5000", "us-east-1"
        self.events: list[tuple[str, str]] = []

    def env(self, region=None):
        return {
            "AWS_ENDPOINT_URL": self.container_url,
            "AWS_REGION": region or self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def client(self, service, region=None):
        return local_client(service, self.url, region or self.region)

    def attach(self, network):
        self.events.append(("attach", network))

    def seed(self, region, tables):
        seed_tables(dynamodb_client(self.url, region), tables)

    def detach(self, network):
        self.events.append(("detach", network))


@pytest.fixture()
def aws():
    with moto_url() as url:
        yield SessionAws(url)


def started_group(spec, aws, docker, **kw):
    pings = Pings()
    for i in range(len(spec.containers)):
        pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * i)] = 200
    group = ContainerGroup(
        spec,
        "demo",
        docker=docker,
        access=IP,
        ping=pings,
        say=lambda text: None,
        session="s1",
        deadline_s=5,
        aws=aws,
        **kw,
    )
    group.start()
    return group


def test_no_moto_of_its_own_and_every_container_points_at_the_session_server(aws):
    spec = make_spec(2, tables=(table(),))
    spec.containers[0].environment["AWS_ENDPOINT_URL_S3"] = "https://s3.amazonaws.com"
    docker = FakeDocker(images_for(spec, moto=False))  # no byoc/moto image needed on the engine
    group = started_group(spec, aws, docker, stream_logs=False)
    aliases = [plan.alias for plan in docker.plans]
    group.stop()
    assert MOTO_ALIAS not in aliases and len(aliases) == 2
    for plan in docker.plans:
        assert plan.env["AWS_ENDPOINT_URL"] == "http://byoc-aws:5000"
        assert plan.env["AWS_ACCESS_KEY_ID"] == "testing"
        assert not any(k.startswith("AWS_ENDPOINT_URL_") for k in plan.env)
    assert aws.events == [("attach", docker.networks[0].name), ("detach", docker.networks[0].name)]


def test_tables_and_logs_are_in_the_definitions_region_and_a_second_endpoint_reuses_the_tables(aws):
    spec = replace(make_spec(2, tables=(table(),)), region="eu-west-1")
    for _ in range(2):
        group = started_group(spec, aws, FakeDocker(images_for(spec, moto=False)), stream_logs=False)
        group.stop()
    db = aws.client("dynamodb", "eu-west-1")
    item = db.get_item(TableName="Agents", Key={"Specialty": {"S": "medical"}, "ID": {"S": "1"}})
    assert item["Item"]["Available"] == {"BOOL": True}
    assert aws.client("dynamodb").list_tables()["TableNames"] == []  # not in the session's default region
    groups = aws.client("logs", "eu-west-1").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == [log_group("demo")]


def test_container_output_lands_in_the_endpoint_log_group(aws):
    spec = make_spec(2)
    terminal = io.StringIO()
    group = started_group(spec, aws, FakeDocker(images_for(spec, moto=False)), log_sink=terminal)
    group.stop()  # waits for the followers, then sends what they queued
    assert "demo/container-2 | container-2 says hi" in terminal.getvalue()
    logs = aws.client("logs")
    streams = logs.describe_log_streams(logGroupName=log_group("demo"))["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == [
        "AllTraffic/i-local/container-1",
        "AllTraffic/i-local/container-2",
    ]
    events = logs.get_log_events(logGroupName=log_group("demo"), logStreamName="AllTraffic/i-local/container-1")
    assert [e["message"] for e in events["events"]] == ["container-1 says hi"]


def test_an_ecr_image_in_a_definition_runs_as_the_local_image_it_maps_to(aws):
    from dataclasses import replace

    ecr = "123456789012.dkr.ecr.us-east-1.amazonaws.com/img1:7"
    spec = make_spec(2)
    docker = FakeDocker(images_for(spec, moto=False))
    spec = replace(
        spec, containers=(replace(spec.containers[0], image=ecr), spec.containers[1]), images={ecr: "byoc/img1:latest"}
    )
    group = started_group(spec, aws, docker, stream_logs=False)
    group.stop()
    assert [plan.image for plan in docker.plans] == ["byoc/img1:latest", "byoc/img2:latest"]

"""How the host reaches containers, what each container is given, and how readiness is judged."""

import tarfile
import threading

import pytest

from emulator.definitions.pipeline import TableSpec
from emulator.docker.launcher import is_local_address
from emulator.docker.logs import prefixed_lines
from emulator.hosting.plan import (
    PUBLISH_ENV,
    Access,
    access_from_env,
    choose_access,
    container_plans,
    port_range,
    shared_workers,
)
from emulator.hosting.readiness import Aborted, NotHealthy, wait_healthy
from emulator.hosting.sidecars import create_table_kwargs, to_attribute_values
from tests.unit.emulator.hosting.fakes import make_spec, table


@pytest.mark.parametrize(
    "system, docker_host, engine, force, gateway_local, publish, host",
    [
        ("Linux", None, "Debian GNU/Linux 12", False, True, False, "127.0.0.1"),
        ("Linux", "unix:///var/run/docker.sock", "Ubuntu", False, True, False, "127.0.0.1"),
        ("Linux", None, "Debian", True, True, True, "127.0.0.1"),
        ("Darwin", None, "Docker Desktop", False, False, True, "127.0.0.1"),
        ("Windows", "npipe:////./pipe/docker_engine", "Docker Desktop", False, False, True, "127.0.0.1"),
        ("Linux", None, "Docker Desktop", False, True, True, "127.0.0.1"),
        ("Linux", "tcp://build-box:2376", "Ubuntu", False, False, True, "build-box"),
        ("Linux", None, "Debian", False, False, True, "127.0.0.1"),
    ],
)
def test_choose_access(system, docker_host, engine, force, gateway_local, publish, host):
    access = choose_access(system, docker_host, engine, force, gateway_local)
    assert (access.publish, access.host) == (publish, host)
    assert access.reason


def test_publish_env_forces_published_ports(monkeypatch):
    assert access_from_env("Debian", True, environ={PUBLISH_ENV: "1"}).publish
    assert access_from_env("Debian", True, environ={PUBLISH_ENV: "1"}).reason == f"{PUBLISH_ENV}=1"


def test_loopback_is_local_and_a_documentation_address_is_not():
    assert is_local_address("127.0.0.1")
    assert not is_local_address("203.0.113.7")
    assert not is_local_address(None)


def test_port_ranges_do_not_overlap():
    ranges = [port_range(i) for i in range(15)]
    assert all(low < high for low, high in ranges)
    assert all(ranges[i][1] < ranges[i + 1][0] for i in range(14))


def test_model_archive_is_unpacked_once_and_mounted(tmp_path, monkeypatch):
    source = tmp_path / "src"
    source.mkdir()
    (source / "model.json").write_text("{}")
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(source / "model.json", arcname="model.json")
    monkeypatch.setattr("emulator.hosting.modeldata.CACHE_DIR", tmp_path / "cache")
    spec = make_spec(2, model_data=archive)
    plans = container_plans(spec, "demo", Access(False, "127.0.0.1", ""), "s1")
    assert plans[0].model_dir == plans[1].model_dir
    assert (plans[0].model_dir / "model.json").read_text() == "{}"


def test_spec_environment_cannot_point_dynamodb_at_aws():
    spec = make_spec(1, tables=(table(),))
    spec.containers[0].environment["AWS_ENDPOINT_URL_DYNAMODB"] = "https://dynamodb.us-east-1.amazonaws.com"
    plan = container_plans(spec, "demo", Access(True, "127.0.0.1", ""), "s1")[0]
    assert plan.env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://dynamodb:5000"
    assert plan.ports == (9000, 8080)


class Scripted:
    """A readiness target whose pings follow a script per port."""

    def __init__(self, answers=None, exit_after=None):
        self.answers, self.exit_after, self.polls = answers or {}, exit_after, 0

    def ping(self, port):
        self.polls += 1
        script = self.answers.get(port, [])
        return script.pop(0) if len(script) > 1 else (script[0] if script else None)

    def exit_code(self):
        return 1 if self.exit_after is not None and self.polls >= self.exit_after else None


def test_ready_on_bind_port_after_a_few_refusals():
    target = Scripted({9000: [None, None, 500, 200]})
    healthy = wait_healthy(target, 9000, 8080, 5, threading.Event(), interval_s=0.001)
    assert healthy.port == 9000


def test_exit_is_noticed_without_waiting_for_the_deadline():
    target = Scripted(exit_after=1)
    with pytest.raises(NotHealthy, match="exited with code 1"):
        wait_healthy(target, 9000, 8080, 60, threading.Event(), interval_s=0.001)


def test_abort_stops_the_wait():
    stop = threading.Event()
    stop.set()
    with pytest.raises(Aborted):
        wait_healthy(Scripted(), 9000, 8080, 60, stop)


def test_fallback_port_only_when_the_bind_port_stays_silent():
    assert wait_healthy(Scripted({8080: [200]}), 9000, 8080, 5, threading.Event()).port == 8080
    assert wait_healthy(Scripted({8080: [200], 9000: [None, 200]}), 9000, 8080, 5, threading.Event()).port == 9000


def test_log_lines_are_whole_and_prefixed():
    chunks = [b"hel", b"lo\nwor", b"ld\npartial"]
    assert list(prefixed_lines(chunks, "ep/c1")) == ["ep/c1 | hello", "ep/c1 | world", "ep/c1 | partial"]


def test_table_definition_becomes_create_table_arguments():
    kwargs = create_table_kwargs(table())
    assert kwargs["KeySchema"] == [
        {"AttributeName": "Specialty", "KeyType": "HASH"},
        {"AttributeName": "ID", "KeyType": "RANGE"},
    ]
    assert {"AttributeName": "ID", "AttributeType": "S"} in kwargs["AttributeDefinitions"]
    assert kwargs["BillingMode"] == "PAY_PER_REQUEST"


def test_the_seeds_own_create_table_arguments_win():
    given = {
        "TableName": "Agents",
        "KeySchema": [{"AttributeName": "Specialty", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "Specialty", "AttributeType": "S"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        "BillingMode": "PROVISIONED",
    }
    spec = TableSpec("Agents", ("Specialty", "S"), None, (), given)
    assert create_table_kwargs(spec) == given


def test_plain_items_become_attribute_values_with_exact_decimals():
    item = to_attribute_values({"ID": "1", "Available": False, "Score": 0.1, "Tags": ["a"]})
    assert item == {"ID": {"S": "1"}, "Available": {"BOOL": False}, "Score": {"N": "0.1"}, "Tags": {"L": [{"S": "a"}]}}


@pytest.mark.parametrize(
    ("cpus", "containers", "workers"),
    [
        (2, 1, None),  # one container: the image's own default (a worker per CPU)
        (2, 2, 1),
        (2, 3, 1),
        (1, 3, None),
        (8, 2, 4),
        (8, 3, 2),
        (16, 2, 8),
    ],
)
def test_containers_sharing_a_machine_get_their_share_of_workers(cpus, containers, workers):
    assert shared_workers(cpus, containers) == workers


def test_workers_are_set_unless_the_definition_sets_them():
    spec = make_spec(2)
    spec.containers[1].environment["MODEL_SERVER_WORKERS"] = "3"
    plans = container_plans(spec, "demo", Access(False, "127.0.0.1", ""), "s1", workers=1)
    assert [p.env["MODEL_SERVER_WORKERS"] for p in plans] == ["1", "3"]
    assert "MODEL_SERVER_WORKERS" not in container_plans(spec, "demo", Access(False, "127.0.0.1", ""), "s1")[0].env

"""LocalAws without Docker: a fake layer whose 'container' is an in-process moto server."""

import pytest

from emulator.config import LABEL, LABEL_VALUE, SERVICE_LABEL, SESSION_LABEL
from emulator.errors import EndpointError
from emulator.hosting.localaws import ALIAS, LocalAws, aws_env
from emulator.hosting.plan import MOTO_IMAGE
from tests.unit.emulator.inprocess_moto import reset

moto_server = pytest.importorskip("moto.server")


class MotoHandle:
    """A 'container' that is a ThreadedMotoServer; records the networks it joins and leaves."""

    def __init__(self, plan, exit_code=None):
        self.plan, self.name, self.id = plan, plan.name, "id-moto"
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        reset(f"http://{host}:{port}")
        self._exit_code = exit_code
        self.joined: list[tuple[str, str]] = []
        self.left: list[str] = []
        self.removed = False

    def host_port(self, port: int) -> int:
        return self.server.get_host_and_port()[1] if self._exit_code is None else 9

    def exit_code(self):
        return self._exit_code

    def tail(self, lines: int = 20) -> str:
        return "moto: Traceback ... ImportError"

    def connect(self, network: str, alias: str) -> None:
        self.joined.append((network, alias))

    def disconnect(self, network: str) -> None:
        self.left.append(network)

    def remove(self) -> None:
        self.removed = True
        self.server.stop()


class Network:
    def __init__(self, name):
        self.name, self.removed = name, False

    def remove(self):
        self.removed = True


class Watch:
    def close(self):
        pass


class MotoDocker:
    def __init__(self, images=(MOTO_IMAGE,), exit_code=None, taken=0):
        self.images, self.exit_code, self.taken = set(images), exit_code, taken
        self.plans, self.networks, self.handles, self.labelled_removals = [], [], [], []

    def has_image(self, ref):
        return ref in self.images

    def watch_exits(self, labels, on_exit, name="exits"):
        self.on_exit = on_exit
        return Watch()

    def create_network(self, name, labels):
        self.networks.append(Network(name))
        self.network_labels = labels
        return self.networks[-1]

    def run(self, plan, network):
        self.plans.append((plan, network.name))
        if self.taken:
            self.taken -= 1
            raise EndpointError(
                f"could not start byoc-aws: Bind for 127.0.0.1:{plan.host_ports[5000]} failed: "
                "port is already allocated"
            )
        self.handles.append(MotoHandle(plan, self.exit_code))
        return self.handles[-1]

    def remove_labelled(self, labels):
        self.labelled_removals.append(labels)
        return []


def test_start_publishes_on_loopback_only_and_serves_every_service():
    docker = MotoDocker()
    with LocalAws(docker=docker, session="s1") as aws:
        plan, network = docker.plans[0]
        assert plan.ports == (5000,) and plan.publish_ip == "127.0.0.1" and plan.command is None
        assert plan.image == MOTO_IMAGE and plan.alias == ALIAS
        assert network == docker.networks[0].name
        assert aws.url.startswith("http://127.0.0.1:")
        aws.client("s3").create_bucket(Bucket="models")
        assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]] == ["models"]
        assert aws.client("sts").get_caller_identity()["Arn"].startswith("arn:aws:")
        assert aws.client("logs").describe_log_groups()["logGroups"] == []
        assert aws.client("ecr").describe_repositories()["repositories"] == []
        assert aws.client("iam").list_roles()["Roles"] is not None
    assert docker.handles[0].removed and docker.networks[0].removed


def test_everything_it_starts_carries_the_project_and_session_labels():
    docker = MotoDocker()
    aws = LocalAws(docker=docker, session="s1").start()
    labels = docker.plans[0][0].labels
    aws.stop()
    assert labels[LABEL] == LABEL_VALUE and labels[SESSION_LABEL] == "s1"
    assert labels[SERVICE_LABEL] == f"local-aws-{aws.id}"
    assert docker.network_labels == labels
    assert docker.labelled_removals == [labels]


def test_attach_joins_each_network_once_under_the_alias_and_detach_leaves():
    docker = MotoDocker()
    with LocalAws(docker=docker) as aws:
        aws.attach("net-a")
        aws.attach("net-a")
        aws.attach("net-b")
        aws.detach("net-a")
        handle = docker.handles[0]
        assert handle.joined == [("net-a", ALIAS), ("net-b", ALIAS)]
        assert handle.left == ["net-a"] and aws.attached == {"net-b"}
        assert aws.container_url == f"http://{ALIAS}:5000"


def test_containers_get_the_endpoint_url_dummy_credentials_and_region():
    docker = MotoDocker()
    with LocalAws("eu-west-1", docker=docker) as aws:
        env = aws.env()
    assert env["AWS_ENDPOINT_URL"] == f"http://{ALIAS}:5000"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing" and env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert aws_env("http://x:5000", "us-east-1")["AWS_ENDPOINT_URL"] == "http://x:5000"


def test_a_missing_image_is_reported_before_anything_starts():
    docker = MotoDocker(images=())
    with pytest.raises(EndpointError, match="byoc/moto:latest") as caught:
        LocalAws(docker=docker).start()
    assert "byoc build moto" in caught.value.hint
    assert docker.plans == [] and docker.networks == []


def test_a_moto_that_exits_fails_the_start_with_its_logs_and_is_removed():
    docker = MotoDocker(exit_code=1)
    with pytest.raises(EndpointError, match="exited with code 1") as caught:
        LocalAws(docker=docker).start()
    assert "ImportError" in str(caught.value)
    assert docker.handles[0].removed and docker.networks[0].removed


def test_url_and_attach_before_start_say_what_to_do():
    aws = LocalAws(docker=MotoDocker())
    with pytest.raises(EndpointError, match="not running"):
        _ = aws.url
    with pytest.raises(EndpointError, match="not running"):
        aws.attach("net")
    aws.stop()  # stopping what never started is fine


def test_the_host_port_is_fixed_and_a_taken_one_is_replaced():
    docker = MotoDocker(taken=1)
    with LocalAws(docker=docker) as aws:
        first, second = docker.plans[0][0], docker.plans[1][0]
        assert first.host_ports[5000] and second.name == f"{first.name}-2"
        assert aws.client("sts").get_caller_identity()["Arn"].startswith("arn:aws:")
    with pytest.raises(EndpointError, match="already allocated"):
        LocalAws(docker=MotoDocker(taken=3)).start()


def test_one_endpoints_own_local_aws_carries_its_endpoint_label():
    from emulator.config import ENDPOINT_LABEL

    docker = MotoDocker()
    with LocalAws(docker=docker, endpoint="abalone"):
        assert docker.plans[0][0].labels[ENDPOINT_LABEL] == "abalone"
    with LocalAws(docker=docker):
        assert ENDPOINT_LABEL not in docker.plans[1][0].labels

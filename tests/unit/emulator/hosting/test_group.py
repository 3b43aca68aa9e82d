"""Runtime decisions with a faked Docker layer: plans, parallel start, readiness, failure and teardown."""

import io
import threading

import pytest

from emulator.errors import EndpointError, SpecError
from emulator.hosting.group import ContainerGroup
from emulator.hosting.plan import FALLBACK_PORT, MOTO_ALIAS, Access, labels_for
from emulator.hosting.variant import WatchedHop
from emulator.invocation.hops import HopUnreachable
from tests.unit.emulator.hosting.fakes import FakeDocker, Pings, images_for, make_spec, table

IP = Access(False, "127.0.0.1", "test: container IPs")
PUBLISHED = Access(True, "127.0.0.1", "test: published ports")


def make_runtime(spec, docker, pings, access=IP, **kw):
    kw.setdefault("deadline_s", 5)
    return ContainerGroup(
        spec,
        "demo",
        docker=docker,
        access=access,
        ping=pings,
        stream_logs=False,
        say=lambda text: None,
        session="s1",
        **kw,
    )


def healthy_all(docker, pings, n, ports=None):
    """Make container i answer 200 on its bind port (or the given port) by IP."""
    for i in range(n):
        pings.answers[(f"10.9.0.{i + 2}", (ports or {}).get(i, 9000 + 100 * i))] = 200


def by_alias(docker):
    return {plan.alias: plan for plan in docker.plans}


def test_each_container_gets_serve_its_port_range_alias_labels_and_env():
    spec = make_spec(3)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    # Hosts are assigned in start order, which is parallel: make every host answer on every bind port.
    for i in range(3):
        for j in range(3):
            pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * j)] = 200
    running = make_runtime(spec, docker, pings).start()
    plans = by_alias(docker)
    assert [r.hostname for r in running] == ["container-1", "container-2", "container-3"]
    second = plans["container-2"]
    assert second.command == "serve"
    assert second.env["SAGEMAKER_BIND_TO_PORT"] == "9100"
    assert second.env["SAGEMAKER_SAFE_PORT_RANGE"] == "9100-9199"
    assert second.env["MODEL_KIND"] == "k2"
    assert second.labels == labels_for("demo", "s1")
    assert second.ports == ()  # reached by IP: nothing published
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in second.env
    assert docker.network_labels["com.byoc.managed"] == "true"


def test_ready_urls_use_container_ip_and_bind_port():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    healthy_all(docker, pings, 1)
    running = make_runtime(spec, docker, pings).start()
    assert running[0].url == "http://10.9.0.2:9000"
    assert running[0].port == 9000


def test_published_ports_path_pings_and_routes_through_host_ports():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    pings.answers[("127.0.0.1", 30000 + 9000 + 2)] = 200
    runtime = make_runtime(spec, docker, pings, access=PUBLISHED)
    running = runtime.start()
    assert docker.plans[0].ports == (9000, FALLBACK_PORT)
    assert running[0].url == "http://127.0.0.1:39002"


def test_container_listening_only_on_8080_works_with_a_warning_naming_it():
    spec = make_spec(2)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    for host in ("10.9.0.2", "10.9.0.3"):
        pings.answers[(host, FALLBACK_PORT)] = 200
    runtime = make_runtime(spec, docker, pings)
    running = runtime.start()
    assert {r.port for r in running} == {FALLBACK_PORT}
    assert len(runtime.warnings) == 2
    assert "demo/container-1" in runtime.warnings[0] or "demo/container-1" in runtime.warnings[1]
    assert "SAGEMAKER_BIND_TO_PORT" in runtime.warnings[0]


def test_exited_container_fails_start_with_sagemakers_wording_and_tears_everything_down():
    spec = make_spec(3)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    docker.exit_codes["container-2"] = 3
    for i in range(3):
        for j in (0, 2):
            pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * j)] = 200
    runtime = make_runtime(spec, docker, pings, deadline_s=30)
    with pytest.raises(EndpointError) as caught:
        runtime.start()
    message = caught.value.message
    assert "The container-2 for production variant AllTraffic did not pass the ping health check" in message
    assert "exited with code 3" in message
    assert "container-2: Traceback ... boom" in message
    assert "container-2" in docker.removed
    assert sorted(docker.removed) == sorted(plan.alias for plan in docker.plans)  # all that started
    assert docker.networks[0].removed
    assert docker.labelled_removals == [labels_for("demo", "s1")]


def test_unhealthy_container_fails_after_the_deadline():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    pings.answers[("10.9.0.2", 9000)] = 500
    runtime = make_runtime(spec, docker, pings, deadline_s=0.3)
    with pytest.raises(
        EndpointError, match=r"container-1 .* did not pass the ping health check: /ping did not answer 200 within 0.3 s"
    ):
        runtime.start()
    assert docker.removed == ["container-1"]


def test_a_container_that_cannot_be_created_removes_the_others():
    spec = make_spec(2)
    docker, pings = FakeDocker(images_for(spec), fail_run={"container-1"}), Pings()
    healthy_all(docker, pings, 2, {0: 9100, 1: 9100})
    with pytest.raises(EndpointError, match="could not start container-1"):
        make_runtime(spec, docker, pings).start()
    assert docker.removed == ["container-2"] or docker.removed == []
    assert docker.networks[0].removed


def test_missing_image_is_reported_before_anything_starts():
    spec = make_spec(2)
    docker = FakeDocker({spec.containers[0].image: {}})
    with pytest.raises(SpecError, match="byoc/img2:latest is not on the Docker engine; run `byoc build`"):
        make_runtime(spec, docker, Pings()).start()
    assert docker.plans == [] and docker.networks == []


def test_missing_moto_image_is_reported_before_anything_starts():
    spec = make_spec(2, tables=(table(),))
    docker = FakeDocker(images_for(spec, moto=False))
    with pytest.raises(EndpointError, match="byoc/moto:latest") as caught:
        make_runtime(spec, docker, Pings()).start()
    assert "byoc build moto" in caught.value.hint
    assert docker.plans == []


def test_image_without_bind_to_port_label_is_refused_before_start():
    spec = make_spec(2)
    docker = FakeDocker(images_for(spec, labelled=False))
    with pytest.raises(SpecError, match="accept-bind-to-port"):
        make_runtime(spec, docker, Pings()).start()
    assert docker.plans == []


def test_tables_start_moto_on_the_network_and_point_every_container_at_it():
    spec = make_spec(2, tables=(table(),))
    docker, pings = FakeDocker(images_for(spec)), Pings()
    for i in range(3):
        for j in range(2):
            pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * j)] = 200
    seeded = []
    runtime = make_runtime(
        spec, docker, pings, dynamodb=lambda url, region, tables, *rest: seeded.append((url, tables))
    )
    runtime.start()
    plans = by_alias(docker)
    assert plans[MOTO_ALIAS].image == "byoc/moto:latest"
    assert plans[MOTO_ALIAS].command is None
    assert seeded and seeded[0][0].endswith(":5000") and seeded[0][1] == spec.tables
    env = plans["container-1"].env
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://dynamodb:5000"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"


def test_a_failing_dynamodb_stand_in_fails_the_start():
    spec = make_spec(1, tables=(table(),))
    docker, pings = FakeDocker(images_for(spec)), Pings()
    pings.answers[("10.9.0.2", 9000)] = pings.answers[("10.9.0.3", 9000)] = 200

    def broken(*args):
        raise EndpointError("the DynamoDB stand-in (moto) did not start: it exited with code 1")

    with pytest.raises(EndpointError, match="moto"):
        make_runtime(spec, docker, pings, dynamodb=broken).start()
    assert sorted(docker.removed) == ["container-1", MOTO_ALIAS]


def test_stop_twice_is_harmless_and_logs_stream_with_prefix():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    healthy_all(docker, pings, 1)
    sink = io.StringIO()
    runtime = ContainerGroup(spec, "demo", docker=docker, access=IP, ping=pings, log_sink=sink, say=lambda t: None)
    with runtime:
        pass
    runtime.stop()
    assert docker.removed == ["container-1"]
    assert "demo/container-1 | container-1 says hi" in sink.getvalue()


def test_a_container_exiting_after_start_is_reported_to_listeners():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    healthy_all(docker, pings, 1)
    runtime = make_runtime(spec, docker, pings)
    seen = threading.Event()
    exits = []
    runtime.exit_listeners.append(lambda hostname, code: (exits.append((hostname, code)), seen.set()))
    runtime.start()
    docker.die("container-1", 137)  # the container dies on its own: Docker's die event
    assert seen.wait(5)
    assert exits == [("container-1", 137)]
    assert any("demo/container-1 exited with code 137" in w for w in runtime.warnings)
    runtime.stop()


def test_removal_by_teardown_is_not_reported_as_an_exit():
    spec = make_spec(1)
    docker, pings = FakeDocker(images_for(spec)), Pings()
    healthy_all(docker, pings, 1)
    runtime = make_runtime(spec, docker, pings)
    exits = []
    runtime.exit_listeners.append(lambda hostname, code: exits.append(hostname))
    with runtime:
        pass
    assert exits == [] and runtime.warnings == []


def test_a_hop_whose_container_exited_fails_at_once_naming_the_exit():
    class Hop:
        hostname = "container-2"
        closed = False

        def post(self, body, headers, timeout_s):
            raise AssertionError("must not be called")

        def close(self):
            Hop.closed = True

        def abort(self):
            Hop.closed = True

    hop = WatchedHop(Hop())
    hop.mark_gone(137)
    with pytest.raises(HopUnreachable, match="container-2: exited with code 137"):
        hop.post(b"1", {}, 1.0)
    assert Hop.closed


def test_containers_sharing_a_small_machine_run_fewer_workers_and_each_step_is_stamped():
    spec = make_spec(2)
    docker, pings = FakeDocker(images_for(spec), cpus=4), Pings()
    healthy_all(docker, pings, 2)
    for i in range(2):
        for j in range(2):
            pings.answers[(f"10.9.0.{i + 2}", 9000 + 100 * j)] = 200
    group = make_runtime(spec, docker, pings)
    group.start()
    assert {plan.env["MODEL_SERVER_WORKERS"] for plan in docker.plans} == {"2"}
    steps = ["start", "images checked", "network created", "local AWS joined", "models unpacked"]
    assert list(group.stamps)[:5] == steps
    assert {"container-1: container started", "container-2: /ping green", "every /ping green"} <= set(group.stamps)
    assert group.stamps["start"] <= group.stamps["container-2: /ping green"] <= group.stamps["every /ping green"]

"""A fake Docker layer and ping for runtime unit tests: records what the runtime asks for, never touches Docker."""

import threading
from pathlib import Path

from emulator.definitions.pipeline import ContainerSpec, PipelineSpec, TableSpec
from emulator.sagemaker import BIND_TO_PORT_LABEL


class FakeHandle:
    """A 'started' container whose ping answers and exit code the test chooses."""

    def __init__(self, docker: "FakeDocker", plan, index: int):
        self.docker, self.plan = docker, plan
        self.id = f"id-{plan.alias}-{index}"  # a replacement has an id of its own
        self.name = plan.name
        self.gone = threading.Event()
        self.code: int | None = None  # set by FakeDocker.die
        self.address = f"10.9.0.{index + 1}"  # index is 1-based: first container .2

    def ip(self) -> str:
        return self.address

    def host_port(self, port: int) -> int:
        return 30000 + port + int(self.address.rsplit(".", 1)[1])

    def exit_code(self):
        return self.code if self.code is not None else self.docker.exit_codes.get(self.plan.alias)

    def tail(self, lines: int = 20) -> str:
        return f"{self.plan.alias}: Traceback ... boom"

    def stream(self):
        return iter([f"{self.plan.alias} says hi\n".encode()])

    def remove(self) -> None:
        self.docker.removed.append(self.plan.alias)
        self.gone.set()


class FakeWatch:
    """What DockerLayer.watch_exits returns: the test calls `die` for Docker's `die` event."""

    def __init__(self, labels, on_exit):
        self.labels, self.on_exit, self.closed = labels, on_exit, False

    def close(self) -> None:
        self.closed = True


class FakeNetwork:
    def __init__(self, name: str, gateway: str | None):
        self.name, self._gateway = name, gateway
        self.removed = False

    def gateway(self):
        return self._gateway

    def remove(self) -> None:
        self.removed = True


class FakeDocker:
    """Stands in for emulator.docker.launcher.DockerLayer."""

    def __init__(self, images=None, engine="Ubuntu 22.04", gateway="10.9.0.1", fail_run=(), cpus=2):
        self.images = images if images is not None else {}
        self.engine, self.gateway, self.fail_run, self.cpus = engine, gateway, set(fail_run), cpus
        self.plans, self.removed, self.networks, self.labelled_removals = [], [], [], []
        self.exit_codes: dict[str, int] = {}
        self.handles: list[FakeHandle] = []
        self.watches: list[FakeWatch] = []
        self._lock = threading.Lock()

    def watch_exits(self, labels, on_exit, name="exits"):
        self.watches.append(FakeWatch(labels, on_exit))
        return self.watches[-1]

    def die(self, alias: str, code: int = 137) -> None:
        """Make the newest container of `alias` exit: Docker's `die` event reaches every open watch."""
        handle = [h for h in self.handles if h.plan.alias == alias][-1]
        handle.code = code
        handle.gone.set()
        for watch in list(self.watches):
            if not watch.closed:
                watch.on_exit(handle.id, code)

    def engine_os(self) -> str:
        return self.engine

    def engine_cpus(self) -> int:
        return self.cpus

    def has_image(self, ref: str) -> bool:
        return ref in self.images

    def image_labels(self, ref: str):
        return self.images.get(ref)

    def create_network(self, name, labels, internal=False):
        self.networks.append(FakeNetwork(name, self.gateway))
        self.network_labels, self.network_internal = labels, internal
        return self.networks[-1]

    def run(self, plan, network):
        from emulator.errors import EndpointError

        if plan.alias in self.fail_run:
            raise EndpointError(f"could not start {plan.alias}")
        with self._lock:
            self.plans.append(plan)
            index = len(self.plans)
            handle = FakeHandle(self, plan, index)
            self.handles.append(handle)
        return handle

    def remove_labelled(self, labels):
        self.labelled_removals.append(labels)
        return []


LABELLED = {BIND_TO_PORT_LABEL: "true"}


def make_spec(n: int = 3, tables=(), images=None, model_data: Path | None = None, mode="Serial") -> PipelineSpec:
    """Return a pipeline of `n` containers named container-1..n."""
    containers = tuple(
        ContainerSpec(
            image=(images or {}).get(i, f"byoc/img{i}:latest"),
            hostname=f"container-{i}",
            model_data=model_data,
            environment={"MODEL_KIND": f"k{i}"},
        )
        for i in range(1, n + 1)
    )
    return PipelineSpec(name="demo", containers=containers, mode=mode, tables=tables)


def images_for(spec: PipelineSpec, labelled: bool = True, moto: bool = True) -> dict:
    """Return the fake engine's images: every image of `spec`, with or without the label."""
    found = {c.image: (dict(LABELLED) if labelled else {}) for c in spec.containers}
    if moto:
        found["byoc/moto:latest"] = {}
    return found


def table() -> TableSpec:
    return TableSpec(
        name="Agents",
        hash_key=("Specialty", "S"),
        range_key=("ID", "S"),
        items=({"Specialty": "medical", "ID": "1", "Available": True},),
    )


class Pings:
    """A fake ping: `answers[(host, port)] = status`; everything else refuses."""

    def __init__(self):
        self.answers: dict[tuple[str, int], int] = {}
        self.calls = 0

    def __call__(self, host, port, timeout_s=2.0):
        self.calls += 1
        return self.answers.get((host, port))

"""ContainerHandle and DockerLayer.remove_labelled without Docker: a log tail of nothing, a sweep that races."""

from functools import partial
from types import SimpleNamespace

import pytest
from docker.errors import APIError

from emulator.docker import launcher
from emulator.docker.launcher import ContainerHandle, DockerLayer
from emulator.errors import SweepIncomplete


class Container:
    id, name = "c1", "byoc-x"

    def __init__(self, logs: bytes):
        self._logs = logs

    def logs(self, tail: int):
        return self._logs


class Wrapper:
    def __init__(self, logs: bytes):
        self.container = Container(logs)

    def get_wrapped_container(self):
        return self.container


def test_a_tail_of_nothing_says_so_instead_of_ending_the_message_blank():
    assert ContainerHandle(Wrapper(b""), None).tail() == "(none: it has written nothing yet)"  # type: ignore[arg-type]
    assert ContainerHandle(Wrapper(b"a\nb\n"), None).tail() == "a\nb"  # type: ignore[arg-type]


# remove_labelled against a fake engine: a container that joins a network after the listing, and one that never goes


class FakeEngine:
    """Containers and networks by name; a network refuses removal while a container of `members` exists."""

    def __init__(self, containers, networks, members, late=(), stuck=(), busy=()):
        self.live = set(containers)
        self.nets = set(networks)
        self.members = members  # network -> container names on it
        self.late = list(late)  # containers created after the first listing (a replacement)
        self.stuck = set(stuck)  # containers whose removal always fails with 409
        self.busy = set(busy)  # containers whose first removal fails with 409 (another removal under way)
        self.lists = 0
        self.containers = SimpleNamespace(list=self._containers)
        self.networks = SimpleNamespace(list=self._networks, get=self._network)

    def _containers(self, **kwargs):
        self.lists += 1
        if self.lists == 2:
            self.live |= set(self.late)
        return [SimpleNamespace(name=n, remove=partial(self._remove, n)) for n in sorted(self.live)]

    def _remove(self, name, **kwargs):
        if name in self.stuck or name in self.busy:
            self.busy.discard(name)
            raise APIError("409", explanation=f"removal of container {name} is already in progress")
        self.live.discard(name)

    def _networks(self, **kwargs):
        return [SimpleNamespace(name=n, remove=partial(self._remove_net, n)) for n in sorted(self.nets)]

    def _remove_net(self, name):
        if self.live & set(self.members.get(name, ())):
            raise APIError("403", explanation=f"error while removing network: network {name} has active endpoints")
        self.nets.discard(name)

    def _network(self, name):
        on = sorted(self.live & set(self.members.get(name, ())))
        return SimpleNamespace(attrs={"Containers": {f"id-{n}": {"Name": n} for n in on}})


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(launcher, "SWEEP_PAUSE_S", 0)


def test_a_container_that_joined_after_the_listing_is_removed_in_the_next_round(no_pause):
    engine = FakeEngine(["a"], ["net"], {"net": ["a", "b"]}, late=["b"], busy=["a"])
    removed = DockerLayer(engine).remove_labelled({"com.byoc.project": "byoc"})  # type: ignore[arg-type]
    assert removed == ["container a", "container b", "network net"]
    assert engine.live == set() and engine.nets == set()


def test_a_network_still_in_use_after_every_round_is_an_error_naming_what_holds_it(no_pause):
    engine = FakeEngine(["a", "z"], ["net", "other"], {"net": ["z"]}, stuck=["z"])
    with pytest.raises(SweepIncomplete) as caught:
        DockerLayer(engine).remove_labelled({"com.byoc.project": "byoc"})  # type: ignore[arg-type]
    assert caught.value.removed == ["container a", "network other"]
    assert "could not remove network net (error while removing network" in caught.value.message
    assert caught.value.message.endswith("has active endpoints; attached: z)")
    assert "then run `byoc down` again" in (caught.value.hint or "")

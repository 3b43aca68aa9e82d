"""ExitWatch over a fake Docker client: `die` events filtered on labels, read in a thread, closed cleanly."""

import threading

from emulator.docker.events import ExitWatch, exit_code_of


class Stream:
    def __init__(self, events):
        self.events, self.closed = events, threading.Event()

    def __iter__(self):
        yield from self.events
        self.closed.wait(5)

    def close(self):
        self.closed.set()


class Client:
    def __init__(self, events):
        self.stream = Stream(events)

    def events(self, decode, filters):
        self.filters = filters
        return self.stream


def test_die_events_of_labelled_containers_reach_the_callback_with_their_exit_code():
    event = {"id": "abc", "Action": "die", "Actor": {"ID": "abc", "Attributes": {"exitCode": "137"}}}
    client, seen, got = Client([event]), [], threading.Event()
    watch = ExitWatch(client, {"com.byoc.unit": "g1"}, lambda cid, code: (seen.append((cid, code)), got.set()))
    watch.start()
    assert got.wait(5) and seen == [("abc", 137)]
    assert client.filters == {"label": ["com.byoc.unit=g1"], "event": ["die"], "type": ["container"]}
    watch.close()
    watch.close()
    assert client.stream.closed.is_set()


def test_a_failing_callback_does_not_end_the_watch():
    events = [{"id": "a"}, {"id": "b", "Actor": {"Attributes": {"exitCode": "1"}}}]
    seen, done = [], threading.Event()

    def on_exit(cid, code):
        seen.append(cid)
        if cid == "a":
            raise RuntimeError("listener bug")
        done.set()

    watch = ExitWatch(Client(events), {}, on_exit).start()
    assert done.wait(5) and seen == ["a", "b"]
    watch.close()


def test_exit_code_of_an_event_without_one_is_none():
    assert exit_code_of({}) is None and exit_code_of({"Actor": {"Attributes": {"exitCode": "x"}}}) is None

"""ContainerHandle without Docker: what its log tail says when there is nothing to show."""

from emulator.docker.launcher import ContainerHandle


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

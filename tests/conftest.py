"""Hooks for the whole suite: the longest files start first."""

# The files that take longest (seconds alone on this 2-CPU machine, 2026-12-05: 70, 51, 45, 35, 31).
# tox runs `pytest -n 3 --dist loadfile --no-loadscope-reorder`: files go to the workers in this
# order, then in collection order. xdist's own order (most tests first) started these few-test
# files last, so one of them ran alone at the end while the other workers had nothing left; now
# the many short unit files fill the end instead. A file missing here only starts later.
LONGEST_FIRST = (
    "tests/integration/live/test_deploy.py",
    "tests/integration/emulator/test_control_plane.py",
    "tests/integration/contract_tests/test_broken_images.py",
    "tests/integration/emulator/test_lifecycle.py",
    "tests/integration/contract_tests/test_our_images.py",
)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Move the tests of LONGEST_FIRST's files to the front, in its order; the rest keep theirs."""
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))

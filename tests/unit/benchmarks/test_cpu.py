"""The CPU clock of the emulator benchmark: the CPU a process spent between two wall-clock instants."""

import time

from benchmarks.cpu import CpuClock


def test_cpu_between_two_instants_is_read_linearly_off_the_samples():
    clock = CpuClock()
    clock.samples = [(100.0, 1.0), (101.0, 1.5), (102.0, 3.5)]
    assert clock.spent(100.0, 101.0) == 0.5
    assert clock.spent(100.5, 101.5) == 2.5 - 1.25  # 1.25 at 100.5, 2.5 at 101.5
    assert clock.spent(101.0, 101.0) == 0.0
    assert clock.spent(99.0, 103.0) == 2.5  # outside the samples: their first and last value


def test_a_running_clock_sees_cpu_spent_in_its_process():
    with CpuClock(every_s=0.01) as clock:
        begun = time.time()
        deadline = time.process_time() + 0.2
        while time.process_time() < deadline:
            pass
        ended = time.time()
    assert 0.1 < clock.spent(begun, ended) < 1.0

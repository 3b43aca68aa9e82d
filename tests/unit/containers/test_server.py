"""The `serve` supervisor's waiting and stopping, on real (non-Docker) child processes."""

import os
import signal
import subprocess
import sys
import threading
import time

from serving import server


def child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


SLEEPER = "import time; time.sleep(60)"
TERM_IGNORER = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "signal.signal(signal.SIGQUIT, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def test_a_stop_signal_ends_the_wait_and_stops_both_children():
    procs = {"gunicorn": child(SLEEPER), "nginx": child(SLEEPER)}
    stop = server.StopFlag()
    threading.Timer(0.3, stop.set).start()
    assert server._wait(procs, stop) is None
    began = time.monotonic()
    server._stop_all(procs)
    assert time.monotonic() - began < 5
    assert all(proc.returncode is not None for proc in procs.values())


def test_a_dying_child_is_named():
    procs = {"gunicorn": child("raise SystemExit(4)"), "nginx": child(SLEEPER)}
    assert server._wait(procs, server.StopFlag()) == "gunicorn"
    server._stop_all(procs)
    assert procs["gunicorn"].returncode == 4 and procs["nginx"].returncode is not None


def test_a_child_ignoring_signals_is_killed_after_the_grace(monkeypatch):
    monkeypatch.setattr(server, "STOP_GRACE_SECONDS", 1)
    procs = {"gunicorn": subprocess.Popen([sys.executable, "-c", TERM_IGNORER], stdout=subprocess.PIPE)}
    assert procs["gunicorn"].stdout.readline() == b"ready\n"  # its handlers are installed
    server._stop_all(procs)
    procs["gunicorn"].stdout.close()
    assert procs["gunicorn"].returncode == -9


def test_real_signals_stop_the_wait_wherever_they_land():
    """The handler takes no lock, so a signal may land anywhere in the loop (threading.Event.set could deadlock)."""
    previous = signal.getsignal(signal.SIGUSR1)
    procs = {"gunicorn": child(SLEEPER), "nginx": child(SLEEPER)}
    try:
        for delay in (0.0, 0.001, 0.01, 0.05, 0.1, 0.15):
            stop = server.StopFlag()
            signal.signal(signal.SIGUSR1, stop.set)
            threading.Timer(delay, os.kill, (os.getpid(), signal.SIGUSR1)).start()
            assert server._wait(procs, stop) is None
    finally:
        signal.signal(signal.SIGUSR1, previous)
        server._stop_all(procs)

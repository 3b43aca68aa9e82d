"""The `serve` supervisor's waiting and stopping, on real (non-Docker) child processes."""

import os
import signal
import subprocess
import sys
import threading
import time

from serving import server

from emulator.config import REPO_ROOT

CONTAINERS = REPO_ROOT / "containers"


def child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code])


def running(code: str) -> subprocess.Popen:
    """Start `code` (which prints "ready" once its handlers are set) and return when it has."""
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    proc.stdout.close()
    return proc


# Stand-ins for nginx and gunicorn, which set their own SIGQUIT/SIGTERM handlers: a child inherits an ignored
# signal, and a shell that starts pytest in the background (`cmd &` without job control) ignores SIGINT and
# SIGQUIT, so a plain sleeper would then ignore the supervisor's SIGQUIT and be killed after the 20 s grace.
SLEEPER = (
    "import signal, time; signal.signal(signal.SIGQUIT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); print('ready', flush=True); time.sleep(60)"
)
TERM_IGNORER = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "signal.signal(signal.SIGQUIT, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def test_a_stop_signal_ends_the_wait_and_stops_both_children():
    procs = {"gunicorn": running(SLEEPER), "nginx": running(SLEEPER)}
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


def test_a_model_that_cannot_load_ends_gunicorns_master_with_code_4_and_its_message_alone(tmp_path):
    """With --preload gunicorn imports serving.wsgi in its master: the failure is one line, no traceback."""
    env = dict(os.environ, BYOC_HANDLER="no_such_handler", BYOC_MODEL_DIR=str(tmp_path))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CONTAINERS), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", "import serving.wsgi"], env=env, capture_output=True, text=True)
    assert done.returncode == 4  # gunicorn's APP_LOAD_ERROR, as when a worker failed to load
    assert "serving: cannot import the handler module 'no_such_handler'" in done.stderr
    assert "Traceback" not in done.stderr

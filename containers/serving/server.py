"""`serve`: start gunicorn and nginx, supervise them, and on SIGTERM stop both and exit 0.

With BYOC_PRELOAD=true (the featurizer's and the postprocessor's images set it) gunicorn preloads the
app: its master imports the handler and loads the model once, then forks the MODEL_SERVER_WORKERS
workers, which share that memory, instead of each loading its own copy (the load's CPU and memory once
per worker, and a worker per CPU by default: docs/serving.md has the figures). It also keeps the load
out of the workers' --timeout. gunicorn then binds its socket after the load, so nginx (started once
the socket exists) answers /ping only then; until then a ping's connection is refused: not healthy yet.
Off by default and in the predictor: XGBoost's model load starts OpenMP threads, and a worker forked
after that hangs at its first prediction (libgomp's thread pool does not survive a fork).
"""

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import nginx
from .config import ServeSettings

STOP_GRACE_SECONDS = 20  # SageMaker sends SIGKILL 30 s after SIGTERM; everything is down well before
POLL_SECONDS = 0.2


class StopFlag:
    """Set from a signal handler, polled by the supervisor loop.

    A plain attribute on purpose: a handler that takes a lock (threading.Event.set does) deadlocks
    when the signal lands while the main thread holds that same lock inside Event.wait, and the
    container then never exits on SIGTERM.
    """

    def __init__(self) -> None:
        self.raised = False

    def set(self, *_signal_args) -> None:
        self.raised = True

    def is_set(self) -> bool:
        return self.raised

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds` unless already set; return whether it is set."""
        if not self.raised:
            time.sleep(seconds)
        return self.raised


def serve(settings: ServeSettings) -> int:
    """Run nginx in front of gunicorn until SIGTERM/SIGINT (exit 0) or until either dies (exit 1)."""
    run_dir = Path(tempfile.mkdtemp(prefix="serving-"))
    run_dir.chmod(0o755)  # nginx workers run unprivileged and need to reach the socket
    socket = run_dir / "gunicorn.sock"
    conf = run_dir / "nginx.conf"
    conf.write_text(nginx.render(settings, run_dir, socket))
    stop = StopFlag()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop.set)
    say(
        f"starting: port {settings.port}, {settings.workers} worker(s), timeout {settings.timeout} s, "
        f"handler {settings.handler}, model {settings.model_dir}"
    )
    procs = {"gunicorn": subprocess.Popen(gunicorn_command(settings, socket))}
    if _wait_for_socket(socket, procs["gunicorn"], stop):
        procs["nginx"] = subprocess.Popen(["nginx", "-c", str(conf), "-e", "stderr"])
    died = _wait(procs, stop)
    _stop_all(procs)
    if died:
        code = procs[died].returncode
        say(f"{died} exited with code {code}; the container stops (see the log above)")
        return 1
    say("stopped cleanly")
    return 0


def gunicorn_command(settings: ServeSettings, socket: Path) -> list[str]:
    """Return the gunicorn command line serving serving.wsgi:app on the unix socket."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"unix:{socket}",
        "--workers",
        str(settings.workers),
        *(["--preload"] if settings.preload else []),
        "--timeout",
        str(settings.timeout),
        "--graceful-timeout",
        str(STOP_GRACE_SECONDS - 5),
        "--worker-tmp-dir",
        tempfile.gettempdir(),
        "--error-logfile",
        "-",
        "--log-level",
        "info",
        "serving.wsgi:app",
    ]


def say(message: str) -> None:
    """Log one line of the supervisor to stderr."""
    print(f"serving: {message}", file=sys.stderr, flush=True)


def _wait_for_socket(socket: Path, gunicorn: subprocess.Popen, stop: StopFlag) -> bool:
    """Wait until gunicorn has bound its socket (after the model loaded, however long); False if it died or a stop
    came.
    """
    while not socket.exists():
        if gunicorn.poll() is not None or stop.is_set():
            return False
        stop.wait(0.05)
    return True


def _wait(procs: dict[str, subprocess.Popen], stop: StopFlag) -> str | None:
    """Block until a stop signal (return None) or until a child exits (return its name)."""
    while not stop.is_set():
        for name, proc in procs.items():
            if proc.poll() is not None:
                return name
        if "nginx" not in procs:
            return "gunicorn"
        stop.wait(POLL_SECONDS)
    say("stop signal received; stopping nginx and gunicorn")
    return None


def _stop_all(procs: dict[str, subprocess.Popen]) -> None:
    """Ask each child to finish (nginx: SIGQUIT, gunicorn: SIGTERM), then kill what is left."""
    for name, proc in procs.items():
        if proc.poll() is None:
            proc.send_signal(signal.SIGQUIT if name == "nginx" else signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

"""Server settings, read once from the environment SageMaker (or the Dockerfile) sets."""

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

MAX_BODY_BYTES = 6 * 1024 * 1024  # SageMaker's request and response limit: 6 MiB (6,291,456 bytes)
MAX_PAYLOAD_MB = 6  # the same limit as batch transform's MaxPayloadInMB default
CUSTOM_ATTRIBUTES = "X-Amzn-SageMaker-Custom-Attributes"
DEFAULT_PORT = 8080
MAX_WORKERS = 64
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" or "max <period>"
DEFAULT_TIMEOUT = 60
DEFAULT_MODEL_DIR = "/opt/ml/model"


@dataclass(frozen=True)
class ServeSettings:
    """What `serve` needs: where to listen, how many workers, which handler, where the model is."""

    port: int
    workers: int
    timeout: int
    handler: str
    model_dir: Path
    preload: bool = False  # BYOC_PRELOAD: gunicorn loads the model once in its master and forks the workers

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "ServeSettings":
        """Read the settings; a bad value is a ConfigError naming the variable."""
        handler = env.get("BYOC_HANDLER", "").strip()
        if not handler:
            raise ConfigError("BYOC_HANDLER is not set; name the handler module, e.g. BYOC_HANDLER=featurizer.handler")
        return cls(
            port=_int(env, "SAGEMAKER_BIND_TO_PORT", DEFAULT_PORT, 1, 65535),
            workers=_int(env, "MODEL_SERVER_WORKERS", default_workers(), 1, MAX_WORKERS),
            timeout=_int(env, "MODEL_SERVER_TIMEOUT", DEFAULT_TIMEOUT, 1, 3600),
            handler=handler,
            model_dir=Path(env.get("BYOC_MODEL_DIR") or DEFAULT_MODEL_DIR),
            preload=_bool(env, "BYOC_PRELOAD", False),
        )


def default_workers(cpu_max: Path | None = None) -> int:
    """Return the CPUs this process may use (at most MAX_WORKERS): SageMaker's toolkits start a worker per CPU.

    The CPUs it may run on (a cpuset), fewer when the cgroup's CPU quota (`docker run --cpus`) says so.
    """
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    try:
        quota, period = (cpu_max or CGROUP_CPU_MAX).read_text().split()[:2]
        if quota != "max":
            count = min(count, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, min(count, MAX_WORKERS))


def threads_per_worker(env: Mapping[str, str] = os.environ) -> int:
    """Return the CPUs each worker may keep busy: all of them shared among MODEL_SERVER_WORKERS workers.

    More compute threads than that only contend (and OpenMP's spinning threads of idle workers starve busy ones).
    """
    try:
        workers = _int(env, "MODEL_SERVER_WORKERS", default_workers(), 1, MAX_WORKERS)
    except ConfigError:
        workers = default_workers()
    return max(1, default_workers() // workers)


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Return a true/false variable, or its default when unset or empty."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ConfigError(f"{name}={env[name]!r} is not true or false; give one of them")
    return raw == "true"


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Return an integer variable within [low, high], or its default when unset or empty."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer; give a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is out of range; give a whole number from {low} to {high}")
    return value

"""The rules on one shared, serving container that need no request body: the image, the ports, /ping.

The rules that send requests live in `invocations`, those needing a container of their own (bind-to-port,
sigterm) in `lifecycle`, the pipeline rule in `links`. Each returns what it saw (a str or a `Seen`) or raises
`RuleFailure` / `NotJudged`.
"""

from dataclasses import dataclass, field
from typing import Protocol

from emulator.sagemaker import BIND_TO_PORT_LABEL

from .config import Limits, TargetConfig
from .probe import Reply, invoke, ping
from .verdict import NotJudged, RuleFailure

PINGS = 5
LENIENT_PING_S = 10.0
SHELL_PREFIXES = (["/bin/sh", "-c"], ["sh", "-c"], ["/bin/bash", "-c"])


class Serving(Protocol):
    """What the rules need of a started container (a containers.Run, or a fake in unit tests)."""

    ready_after_s: float | None

    def url(self, port: int = ...) -> str: ...
    def is_running(self) -> bool: ...
    def state(self) -> str: ...
    def logs(self, tail: int = ...) -> str: ...
    def model_mount(self) -> dict | None: ...


@dataclass
class Subject:
    """A target whose shared container serves: its config, its image's Config, and the running container."""

    config: TargetConfig
    image: dict  # the image's inspected Config: Entrypoint, Cmd, Labels, ...
    run: Serving
    limits: Limits
    no_sample: str | None = None  # why there is no sample (a pipeline's chain stopped before this container)
    _sample: Reply | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return self.run.url()

    @property
    def sample(self) -> bytes:
        """Return the sample body (in a pipeline: the answer of the container before, filled in by the session)."""
        return self.config.sample or b""

    def send_sample(self, extra: dict | None = None, content_type: str | None = None) -> Reply:
        cfg = self.config
        return invoke(
            self.url, self.sample, content_type or cfg.content_type, cfg.returns, extra, self.limits.invoke_timeout_s
        )

    def sample_reply(self) -> Reply:
        """Return the answer to the sample, sent once and kept for every rule that builds on it."""
        if self._sample is None:
            self._sample = Reply(None, error=self.no_sample) if self.no_sample else self.send_sample()
        return self._sample

    def require_sample(self, rule: str) -> Reply:
        """Return the sample's 2xx answer; raise NotJudged when the sample itself was refused."""
        reply = self.sample_reply()
        if not reply.ok:
            raise NotJudged(
                rule,
                f"skipped: sample-request failed ({self.after(reply)}), so this rule cannot be "
                "judged; fix sample-request first",
            )
        return reply

    def after(self, reply: Reply) -> str:
        """Return `reply` described, plus the container's state when it is gone."""
        text = reply.describe()
        if not self.run.is_running():
            text += f"; the container {self.run.state()}, its log ends:\n{self.run.logs()}"
        return text


def serve_argument(s: Subject) -> str:
    """The ENTRYPOINT is exec form, so `docker run IMAGE serve` hands `serve` to the server."""
    entry = list(s.image.get("Entrypoint") or [])
    if any(entry[: len(p)] == p for p in SHELL_PREFIXES):
        raise RuleFailure(
            "serve-argument",
            f"expected ENTRYPOINT in exec form; it is shell form {entry!r}, "
            "so the argument `serve` never reaches the server",
        )
    how = f"ENTRYPOINT {entry!r} (exec form)" if entry else "no ENTRYPOINT: `serve` ran as the command"
    return f"{how}; started with argument serve, /ping answered 200 after {s.run.ready_after_s or 0:.1f} s"


def pipeline_label(s: Subject) -> str:
    """The label SageMaker requires of images in a pipeline."""
    value = (s.image.get("Labels") or {}).get(BIND_TO_PORT_LABEL)
    if value != "true":
        seen = "absent" if value is None else f"{value!r}"
        raise RuleFailure("pipeline-label", f"expected LABEL {BIND_TO_PORT_LABEL}=true; it is {seen}")
    return f"{BIND_TO_PORT_LABEL}=true"


def ping_rule(s: Subject) -> str:
    """/ping 200 within the start deadline, then every ping 200 with an empty body within 2 s."""
    limit = s.limits.ping_timeout_s
    for n in range(1, PINGS + 1):
        reply = ping(s.url, limit)
        if reply.status != 200 or reply.seconds > limit or reply.body.strip():
            raise RuleFailure(
                "ping",
                f"expected 200 with an empty body within {limit:g} s on every ping; "
                f"ping {n} of {PINGS}: {s.after(reply)} after {reply.seconds:.2f} s",
            )
    return f"first 200 after {s.run.ready_after_s or 0:.1f} s; {PINGS} more pings answered 200 within {limit:g} s"


def default_port(s: Subject) -> str:
    """Without SAGEMAKER_BIND_TO_PORT the container listens on 8080."""
    reply = ping(s.url, LENIENT_PING_S)
    if reply.status != 200:
        raise RuleFailure(
            "default-port", f"started without SAGEMAKER_BIND_TO_PORT, expected /ping 200 on 8080; got {s.after(reply)}"
        )
    return "started without SAGEMAKER_BIND_TO_PORT; port 8080 answered /ping 200"

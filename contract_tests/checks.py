"""The hosting rules as plain functions over a started container: each returns what it saw or raises RuleFailure.

Rules that look at the image or at one shared, already-serving container live here; rules that need a
container of their own (bind-to-port, sigterm) live in `lifecycle`, the pipeline rule in `links`.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from emulator.sagemaker import BIND_TO_PORT_LABEL

from . import bodies
from .config import Limits, TargetConfig
from .probe import Reply, invoke, media_type, ping

PINGS = 5
LENIENT_PING_S = 10.0
SHELL_PREFIXES = (["/bin/sh", "-c"], ["sh", "-c"], ["/bin/bash", "-c"])


class RuleFailure(AssertionError):
    """A rule was broken: which rule, what was expected and what was observed."""

    def __init__(self, rule: str, message: str):
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


@dataclass
class Subject:
    """A target whose shared container serves: its config, its image's Config, and the running container."""

    config: TargetConfig
    image: dict          # the image's inspected Config: Entrypoint, Cmd, Labels, ...
    run: object          # a target.Run (or a fake with url(), is_running(), state(), logs(), model_mount())
    limits: Limits

    @property
    def url(self) -> str:
        return self.run.url()

    def send_sample(self, extra: dict | None = None) -> Reply:
        cfg = self.config
        return invoke(self.url, cfg.sample, cfg.content_type, cfg.returns, extra, self.limits.invoke_timeout_s)

    def after(self, reply: Reply) -> str:
        """Return `reply` described, plus the container's state when it is gone."""
        text = reply.describe()
        if not self.run.is_running():
            text += f"; the container {self.run.state()}, its log ends:\n{self.run.logs()}"
        return text


def serve_argument(s: Subject) -> str:
    """Rule 1: ENTRYPOINT in exec form, so `docker run IMAGE serve` hands `serve` to the server."""
    entry = list(s.image.get("Entrypoint") or [])
    if any(entry[: len(p)] == p for p in SHELL_PREFIXES):
        raise RuleFailure("serve-argument", f"expected ENTRYPOINT in exec form; it is shell form {entry!r}, "
                          "so the argument `serve` never reaches the server (write ENTRYPOINT [\"prog\", ...])")
    how = f"ENTRYPOINT {entry!r} (exec form)" if entry else "no ENTRYPOINT: `serve` ran as the command"
    return f"{how}; started with argument serve, /ping answered 200 after {s.run.ready_after_s:.1f} s"


def pipeline_label(s: Subject) -> str:
    """Rule 3: the label SageMaker requires of images in a pipeline."""
    value = (s.image.get("Labels") or {}).get(BIND_TO_PORT_LABEL)
    if value != "true":
        seen = "absent" if value is None else f"{value!r}"
        raise RuleFailure("pipeline-label", f"expected LABEL {BIND_TO_PORT_LABEL}=true; it is {seen}")
    return f"{BIND_TO_PORT_LABEL}=true"


def ping_rule(s: Subject) -> str:
    """Rule 4: /ping 200 within the start deadline, then every ping 200 with an empty body within 2 s."""
    limit = s.limits.ping_timeout_s
    for n in range(1, PINGS + 1):
        reply = ping(s.url, limit)
        if reply.status != 200 or reply.seconds > limit or reply.body.strip():
            raise RuleFailure("ping", f"expected 200 with an empty body within {limit:g} s on every ping; "
                              f"ping {n} of {PINGS}: {s.after(reply)} after {reply.seconds:.2f} s")
    return f"first 200 after {s.run.ready_after_s:.1f} s; {PINGS} more pings answered 200 within {limit:g} s"


def default_port(s: Subject) -> str:
    """Rule 2b: without SAGEMAKER_BIND_TO_PORT the container listens on 8080."""
    reply = ping(s.url, LENIENT_PING_S)
    if reply.status != 200:
        raise RuleFailure("default-port", f"started without SAGEMAKER_BIND_TO_PORT, expected /ping 200 on 8080; "
                          f"got {s.after(reply)}")
    return "started without SAGEMAKER_BIND_TO_PORT; port 8080 answered /ping 200"


def sample_request(s: Subject) -> str:
    """Rule 5: the sample answers 2xx within 60 s, with the Content-Type the target declares."""
    cfg, limit = s.config, s.limits.invoke_timeout_s
    reply = s.send_sample()
    expected = f"2xx within {limit:g} s" + (f" with Content-Type {cfg.returns}" if cfg.returns else "")
    sent = f"sent the sample ({len(cfg.sample)} bytes, {cfg.content_type})"
    if reply.status is None or not 200 <= reply.status < 300:
        raise RuleFailure("sample-request", f"{sent}; expected {expected}; got {s.after(reply)}")
    if cfg.returns and media_type(reply.content_type) != media_type(cfg.returns):
        raise RuleFailure("sample-request", f"{sent}; expected {expected}; got Content-Type {reply.content_type!r}")
    return f"{sent}; {reply.status} {reply.content_type} after {reply.seconds:.2f} s"


def unsupported_content_type(s: Subject) -> str:
    """Rule 6: an unsupported Content-Type gets 4xx (415 expected), never 5xx."""
    ctype = bodies.unsupported_content_type(s.config.accepted)
    reply = invoke(s.url, s.config.sample, ctype, timeout=s.limits.invoke_timeout_s)
    if reply.status is None or not 400 <= reply.status < 500:
        raise RuleFailure("unsupported-content-type",
                          f"sent the sample as Content-Type {ctype}; expected 4xx (415); got {s.after(reply)}")
    note = "" if reply.status == 415 else " (415 is the usual answer; any 4xx passes)"
    return f"Content-Type {ctype} answered {reply.status}{note}"


def malformed_body(s: Subject) -> str:
    """Rule 7: empty, garbage and wrong-shape bodies get 4xx, and /ping still answers 200 after each.

    A wrong shape the target did not declare is derived from the sample (a CSV row one field short); as it may
    be valid input for this model after all, a 2xx to it is reported, not failed. 5xx or a crash always fail.
    """
    cfg = s.config
    derived = cfg.wrong_shape is None
    cases = {"empty body": b"", "garbage bytes": bodies.GARBAGE,
             "wrong shape": cfg.wrong_shape if not derived else bodies.wrong_shape(cfg.sample, cfg.content_type)}
    seen = []
    for what, body in cases.items():
        reply = invoke(s.url, body, cfg.content_type, timeout=s.limits.invoke_timeout_s)
        after = ping(s.url, LENIENT_PING_S)
        lenient = what == "wrong shape" and derived and reply.status is not None and 200 <= reply.status < 300
        if (reply.status is None or not 400 <= reply.status < 500 or after.status != 200) and not lenient:
            raise RuleFailure("malformed-body", f"sent {what} ({body[:12]!r}...) as {cfg.content_type}; expected 4xx "
                              f"and /ping 200 after; got {reply.describe()}, then /ping {s.after(after)}")
        seen.append(f"{what} {reply.status}" + (" (derived shape accepted; declare wrong_shape to judge it)"
                                                 if lenient else ""))
    return ", ".join(seen) + "; /ping 200 after each"


def unknown_headers(s: Subject) -> str:
    """Rule 8: unknown X-Amzn-SageMaker-* headers and custom attributes do not break a request."""
    extra = {"X-Amzn-SageMaker-Byoc-Contract-Unknown": "ignore-me",
             "X-Amzn-SageMaker-Custom-Attributes": "trace-id=byoc-contract,flag=1",
             "X-Amzn-SageMaker-Inference-Id": "byoc-contract-0001"}
    plain, decorated = s.send_sample(), s.send_sample(extra)
    ok = [r.status is not None and 200 <= r.status < 300 for r in (plain, decorated)]
    if ok[0] and not ok[1]:
        raise RuleFailure("unknown-headers", f"the sample answered {plain.status} alone; with headers "
                          f"{sorted(extra)} expected the same, got {s.after(decorated)}")
    if not ok[0]:
        raise RuleFailure("unknown-headers", f"the sample itself failed ({s.after(plain)}), so the headers "
                          "cannot be judged; fix sample-request first")
    if media_type(plain.content_type) != media_type(decorated.content_type):
        raise RuleFailure("unknown-headers", f"with {sorted(extra)} the Content-Type changed from "
                          f"{plain.content_type!r} to {decorated.content_type!r}")
    return f"with {', '.join(sorted(extra))}: {decorated.status}, as without"


def large_body(s: Subject) -> str:
    """Rule 9: a body just under 6 MiB is not refused by a body-size limit (413 or a dropped connection)."""
    cfg = s.config
    body = bodies.large_body(cfg.sample, cfg.content_type, s.limits.large_body_bytes)
    reply = invoke(s.url, body, cfg.content_type, cfg.returns, timeout=s.limits.invoke_timeout_s)
    sent = f"sent {len(body):,} bytes of {cfg.content_type} (the sample repeated)"
    if reply.status is None or reply.status == 413 or reply.status >= 500:
        raise RuleFailure("large-body", f"{sent}; expected it accepted (2xx, or 4xx for its content; "
                          f"never 413 or a dropped connection); got {s.after(reply)}")
    return f"{sent}; {reply.status} after {reply.seconds:.1f} s"


def concurrency(s: Subject) -> str:
    """Rule 10: N requests at once are all answered 2xx."""
    n = s.limits.concurrency
    with ThreadPoolExecutor(n) as pool:
        replies = list(pool.map(lambda _: s.send_sample(), range(n)))
    bad = [r for r in replies if r.status is None or not 200 <= r.status < 300]
    if bad:
        raise RuleFailure("concurrency", f"sent {n} sample requests at once; expected all 2xx; "
                          f"{n - len(bad)} were, the others got: {'; '.join(sorted({r.describe() for r in bad}))}")
    return f"{n} at once, all 2xx, slowest {max(r.seconds for r in replies):.2f} s"


def read_only_model(s: Subject) -> str:
    """Rule 12: /opt/ml/model is mounted read-only and the container still serves."""
    mount = s.run.model_mount()
    if mount is None or mount.get("RW", True):
        raise RuleFailure("read-only-model", f"expected /opt/ml/model mounted read-only; inspect shows {mount!r}")
    reply = s.send_sample()
    if reply.status is None or not 200 <= reply.status < 300:
        raise RuleFailure("read-only-model", f"with /opt/ml/model read-only, expected the sample to answer 2xx; "
                          f"got {s.after(reply)}")
    return f"/opt/ml/model mounted read-only from {mount.get('Source')}; the sample answered {reply.status}"

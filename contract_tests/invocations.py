"""The rules that send requests to /invocations on the shared container, most of them building on the sample.

A rule that needs a working sample calls `Subject.require_sample` first: when the sample is refused the
rule is reported not judged, never passed on answers that were only refusals.
"""

from concurrent.futures import ThreadPoolExecutor

from . import bodies
from .checks import LENIENT_PING_S, Subject
from .probe import invoke, media_type, ping
from .verdict import Case, NotJudged, RuleFailure, Seen, Status


def sample_request(s: Subject) -> str:
    """The sample answers 2xx within 60 s, with the Content-Type the target declares."""
    if s.no_sample:
        raise NotJudged("sample-request", f"skipped: {s.no_sample}")
    cfg, limit, reply = s.config, s.limits.invoke_timeout_s, s.sample_reply()
    expected = f"2xx within {limit:g} s" + (f" with Content-Type {cfg.returns}" if cfg.returns else "")
    sent = f"sent the sample ({len(s.sample)} bytes) as Content-Type {cfg.content_type!r}"
    if not reply.ok:
        raise RuleFailure(
            "sample-request", f"{sent}; expected {expected}; got {s.after(reply)}{_other_spelling(s, reply)}"
        )
    if cfg.returns and media_type(reply.content_type) != media_type(cfg.returns):
        raise RuleFailure("sample-request", f"{sent}; expected {expected}; got Content-Type {reply.content_type!r}")
    return f"{sent}; {reply.status}, Content-Type {reply.content_type!r}, after {reply.seconds:.2f} s"


def _other_spelling(s: Subject, reply) -> str:
    """Return a hint naming a spelling of the Content-Type that the image does accept (after a 415)."""
    if reply.status != 415:
        return ""
    for spelling in bodies.spellings(s.config.content_type)[1:]:
        if s.send_sample(content_type=spelling).ok:
            return (
                f". The same body is accepted as Content-Type {spelling!r}: the image accepts only that exact "
                f"spelling (see content-type-tolerance); accept {s.config.content_type!r} too, or declare "
                f"{spelling!r} as the sample's Content-Type"
            )
    return ""


def content_type_tolerance(s: Subject) -> Seen:
    """The sample is accepted with its media type bare and with `; charset=utf-8`; one exact spelling only warns."""
    cases = []
    for spelling in bodies.spellings(s.config.content_type):
        reply = s.send_sample(content_type=spelling)
        cases.append(
            Case(
                spelling,
                f"the sample as Content-Type {spelling!r}",
                reply.describe(),
                Status.PASSED if reply.ok else Status.FAILED,
            )
        )
    accepted = [c.what for c in cases if c.status is Status.PASSED]
    if not accepted:
        raise NotJudged(
            "content-type-tolerance",
            "no spelling of the Content-Type was accepted, so tolerance cannot be judged; fix sample-request first",
            tuple(cases),
        )
    if len(accepted) < len(cases):
        refused = [c.what for c in cases if c.status is not Status.PASSED]
        return Seen(
            f"accepted {accepted}",
            tuple(cases),
            warning=f"accepts only {' and '.join(map(repr, accepted))}; refused {' and '.join(map(repr, refused))}",
        )
    return Seen(f"accepted every spelling: {', '.join(map(repr, accepted))}", tuple(cases))


def declared_type(s: Subject) -> str:
    """The answer's body parses as the Content-Type it is labelled with."""
    reply = s.require_sample("declared-type")
    label = reply.content_type
    if not label:
        raise RuleFailure("declared-type", "the sample's answer has no Content-Type, so nobody can tell how to read it")
    try:
        problem = bodies.mismatch(reply.body, label)
    except LookupError:
        raise NotJudged("declared-type", f"the answer is labelled {label!r}, which this suite cannot parse") from None
    if problem:
        raise RuleFailure(
            "declared-type",
            f"the sample's answer is labelled Content-Type {label!r} but {problem}: {reply.body[:80]!r}",
        )
    return f"the answer parses as its Content-Type {label!r}"


def unsupported_content_type(s: Subject) -> str:
    """An unsupported Content-Type gets 4xx (415 expected), never 5xx."""
    s.require_sample("unsupported-content-type")
    ctype = bodies.unsupported_content_type(s.config.accepted)
    reply = invoke(s.url, s.sample, ctype, timeout=s.limits.invoke_timeout_s)
    if reply.status is None or not 400 <= reply.status < 500:
        raise RuleFailure(
            "unsupported-content-type",
            f"sent the sample as Content-Type {ctype}; expected 4xx (415); got {s.after(reply)}",
        )
    note = "" if reply.status == 415 else " (415 is the usual answer; any 4xx passes)"
    return f"Content-Type {ctype} answered {reply.status}{note}"


def malformed_body(s: Subject) -> Seen:
    """Empty, garbage and wrong-shape bodies each get 4xx and /ping stays 200; a wrong shape answered 2xx warns."""
    s.require_sample("malformed-body")
    cfg = s.config
    derived = cfg.wrong_shape is None
    shape = cfg.wrong_shape if cfg.wrong_shape is not None else bodies.wrong_shape(s.sample, cfg.content_type)
    cases, statuses = [], []
    for what, body in (("empty body", b""), ("garbage bytes", bodies.GARBAGE), ("wrong shape", shape)):
        reply = invoke(s.url, body, cfg.content_type, timeout=s.limits.invoke_timeout_s)
        after = ping(s.url, LENIENT_PING_S)
        statuses.append(reply.status)
        cases.append(_malformed_case(what, body, cfg.content_type, reply, after, derived))
    failed = [c for c in cases if c.status is Status.FAILED]
    if failed:
        raise RuleFailure(
            "malformed-body",
            f"expected 4xx and /ping 200 after each bad body; {', '.join(c.what for c in failed)} did not get that",
            tuple(cases),
        )
    if all(status == 415 for status in statuses):
        raise NotJudged(
            "malformed-body",
            "every bad body was answered 415, a refusal of the Content-Type itself, "
            "so the body checks never ran; fix sample-request first",
            tuple(cases),
        )
    warned = [c for c in cases if c.status is Status.WARNING]
    detail = ", ".join(f"{c.what} {c.got.split(' ')[0]}" for c in cases) + "; /ping 200 after each"
    warning = f"{warned[0].what} answered {warned[0].got[:60]}: a made-up answer?" if warned else None
    return Seen(detail, tuple(cases), warning=warning)


def _malformed_case(what: str, body: bytes, ctype: str, reply, after, derived: bool) -> Case:
    sent = f"{body[:12]!r}{'...' if len(body) > 12 else ''} as {ctype}"
    got = reply.describe() + ("" if after.status == 200 else f", then /ping {after.describe()}")
    if after.status == 200 and reply.status is not None and 400 <= reply.status < 500:
        return Case(what, sent, got, Status.PASSED)
    if what == "wrong shape" and reply.ok and after.status == 200:
        if derived:
            return Case(
                what,
                sent,
                got,
                Status.WARNING,
                "a prediction for input the model cannot use? If this shape "
                "is valid input, nothing to do; else declare wrong_shape in a target file to make it fail",
            )
        return Case(what, sent, got, Status.FAILED, "the target file declares this body wrongly shaped")
    return Case(what, sent, got, Status.FAILED)


def unknown_headers(s: Subject) -> str:
    """Unknown X-Amzn-SageMaker-* headers and custom attributes do not change the answer."""
    plain = s.require_sample("unknown-headers")
    extra = {
        "X-Amzn-SageMaker-Byoc-Contract-Unknown": "ignore-me",
        "X-Amzn-SageMaker-Custom-Attributes": "trace-id=byoc-contract,flag=1",
        "X-Amzn-SageMaker-Inference-Id": "byoc-contract-0001",
    }
    decorated = s.send_sample(extra)
    if not decorated.ok:
        raise RuleFailure(
            "unknown-headers",
            f"the sample answered {plain.status} alone; with headers "
            f"{sorted(extra)} expected the same, got {s.after(decorated)}",
        )
    if media_type(plain.content_type) != media_type(decorated.content_type):
        raise RuleFailure(
            "unknown-headers",
            f"with {sorted(extra)} the Content-Type changed from {plain.content_type!r} to {decorated.content_type!r}",
        )
    return f"with {', '.join(sorted(extra))}: {decorated.status}, as without"


def large_body(s: Subject) -> str:
    """A body just under 6 MiB is not refused by a body-size limit (413 or a dropped connection)."""
    s.require_sample("large-body")
    cfg = s.config
    body = bodies.large_body(s.sample, cfg.content_type, s.limits.large_body_bytes)
    reply = invoke(s.url, body, cfg.content_type, cfg.returns, timeout=s.limits.invoke_timeout_s)
    sent = f"sent {len(body):,} bytes of {cfg.content_type} (the sample repeated)"
    if reply.status is None or reply.status == 413 or reply.status >= 500:
        raise RuleFailure(
            "large-body",
            f"{sent}; expected it accepted (2xx, or 4xx for its content; "
            f"never 413 or a dropped connection); got {s.after(reply)}",
        )
    return f"{sent}; {reply.status} after {reply.seconds:.1f} s"


def concurrency(s: Subject) -> str:
    """N sample requests at once are all answered 2xx."""
    s.require_sample("concurrency")
    n = s.limits.concurrency
    with ThreadPoolExecutor(n) as pool:
        replies = list(pool.map(lambda _: s.send_sample(), range(n)))
    bad = [r for r in replies if not r.ok]
    if bad:
        raise RuleFailure(
            "concurrency",
            f"sent {n} sample requests at once; expected all 2xx; "
            f"{n - len(bad)} were, the others got: {'; '.join(sorted({r.describe() for r in bad}))}",
        )
    return f"{n} at once, all 2xx, slowest {max(r.seconds for r in replies):.2f} s"


def read_only_model(s: Subject) -> str:
    """/opt/ml/model is mounted read-only and the container still serves the sample."""
    mount = s.run.model_mount()
    if mount is None or mount.get("RW", True):
        raise RuleFailure("read-only-model", f"expected /opt/ml/model mounted read-only; inspect shows {mount!r}")
    reply = s.require_sample("read-only-model")
    return f"/opt/ml/model mounted read-only from {mount.get('Source')}; the sample answered {reply.status}"

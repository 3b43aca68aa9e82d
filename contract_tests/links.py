"""pipeline-links: in a serial pipeline each answer, its Content-Type passed on whole, is accepted by the next one."""

from dataclasses import dataclass

from emulator.sagemaker import MAX_BETWEEN_CONTAINERS_BYTES

from .bodies import spellings
from .config import PipelineConfig
from .probe import Reply, invoke, media_type
from .verdict import RuleFailure

HOP_LIMIT_BYTES = MAX_BETWEEN_CONTAINERS_BYTES


@dataclass(frozen=True)
class Hop:
    """One container's part in the chain: what it was sent and what it answered."""

    name: str
    image: str
    body: bytes
    content_type: str
    reply: Reply
    accepts: str | None = None  # after a 415: another spelling of the same type that this container accepts


def run_chain(pipeline: PipelineConfig, urls: list[str], timeout_s: float = 60.0) -> list[Hop]:
    """Send the sample through every container as SageMaker does; stop at the first non-2xx answer."""
    body, ctype, hops = pipeline.sample, pipeline.content_type, []
    for cfg, url in zip(pipeline.targets, urls, strict=False):
        reply = invoke(url, body, ctype, timeout=timeout_s)
        accepts = _accepted_spelling(url, body, ctype, timeout_s) if reply.status == 415 else None
        hops.append(Hop(cfg.hostname or cfg.name, cfg.image, body, ctype, reply, accepts))
        if reply.status is None or not 200 <= reply.status < 300:
            break
        body, ctype = reply.body, reply.headers.get("content-type", "")
    return hops


def pipeline_links(pipeline: PipelineConfig, hops: list[Hop]) -> str:
    """Judge a chain run: every hop 2xx, a Content-Type passed on, payloads within 5 MB, all containers reached."""
    for n, hop in enumerate(hops):
        came_from = (
            f"the Content-Type {hop.content_type!r} that {hops[n - 1].name} returned"
            if n
            else f"the sample's Content-Type {hop.content_type!r}"
        )
        reply = hop.reply
        if reply.status is None or not 200 <= reply.status < 300:
            raise RuleFailure(
                "pipeline-links",
                f"{hop.name} ({hop.image}) answered {reply.describe()} "
                f"to {came_from}; expected 2xx" + _spelling_hint(hops, n),
            )
        last = n == len(pipeline.targets) - 1
        if not last and not media_type(reply.content_type):
            raise RuleFailure(
                "pipeline-links",
                f"{hop.name} answered {reply.status} without a Content-Type, "
                "so the next container cannot know what it gets",
            )
        if not last and len(reply.body) > HOP_LIMIT_BYTES:
            raise RuleFailure(
                "pipeline-links",
                f"{hop.name} answered {len(reply.body):,} bytes; between containers SageMaker allows at most 5 MB",
            )
    path = " -> ".join(f"{h.name} ({h.content_type!r})" for h in hops)
    return f"the sample travelled {path} -> {hops[-1].reply.status} {hops[-1].reply.content_type!r}"


def _accepted_spelling(url: str, body: bytes, ctype: str, timeout_s: float) -> str | None:
    """Return another spelling of `ctype` (bare, or with a charset) that the container does not refuse with 415."""
    return next(
        (
            other
            for other in spellings(ctype)[1:]
            if invoke(url, body, other, timeout=timeout_s).status not in (415, None)
        ),
        None,
    )


def _spelling_hint(hops: list[Hop], n: int) -> str:
    hop = hops[n]
    if hop.accepts is None:
        return ""
    before = f"make {hops[n - 1].name} answer with {hop.accepts!r}, or " if n else f"send {hop.accepts!r}, or "
    return (
        f". Sent as {hop.accepts!r} the same body is not refused with 415: it compares the whole Content-Type string; "
        f"{before}better, make {hop.name} compare only the media type"
    )

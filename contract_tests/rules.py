"""The rules of SageMaker's hosting contract: what each checks, why SageMaker has it, and what to do.

One table feeds the failure messages, `byoc contract --explain RULE` and the anchors of docs/contract.md
(one section per rule; a test keeps the two in step). Sources: [hosting], [pipelines] and [runtime] as
listed in emulator/sagemaker.py.
"""

from dataclasses import dataclass

DOCS = "docs/contract.md"


@dataclass(frozen=True)
class Rule:
    """One rule: its name (also the docs anchor), what is checked, why, and what to do when it fails."""

    name: str
    checks: str
    why: str
    todo: str
    needs_sample: bool = False  # judged only when the sample request is answered 2xx

    @property
    def link(self) -> str:
        return f"{DOCS}#{self.name}"

    def explain(self) -> str:
        """Return the rule, why SageMaker has it and how to satisfy it, for a person."""
        return (
            f"{self.name}\n  checks: {self.checks}\n  why: {self.why}\n  what to do: {self.todo}\n  more: {self.link}"
        )


RULES = {
    r.name: r
    for r in (
        Rule(
            "serve-argument",
            "the ENTRYPOINT is exec form and `docker run IMAGE serve` serves",
            "SageMaker starts every container as `docker run IMAGE serve`; a shell-form ENTRYPOINT swallows the "
            "argument `serve`, so the server never learns it should serve",
            'write ENTRYPOINT ["program", "arg"] (a JSON list) and make the program accept the argument serve',
        ),
        Rule(
            "bind-to-port",
            "started with SAGEMAKER_BIND_TO_PORT=23456, /ping answers on port 23456",
            "in a SageMaker pipeline all containers share one host, so each gets its own port in "
            "SAGEMAKER_BIND_TO_PORT; a container that ignores it and takes 8080 cannot start beside the others",
            "read the port from the environment variable SAGEMAKER_BIND_TO_PORT (8080 when it is unset) and "
            "listen there, e.g. in nginx.conf or gunicorn's --bind",
        ),
        Rule(
            "default-port",
            "started without SAGEMAKER_BIND_TO_PORT, /ping answers on port 8080",
            "a single-container endpoint sets no port variable and sends every request to port 8080",
            "listen on 8080 when SAGEMAKER_BIND_TO_PORT is unset",
        ),
        Rule(
            "pipeline-label",
            "the image carries LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true",
            "CreateModel refuses a pipeline whose images lack this label: it is how an image promises to honour "
            "SAGEMAKER_BIND_TO_PORT",
            "add `LABEL com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true` to the Dockerfile",
        ),
        Rule(
            "ping",
            "GET /ping answers 200 within the start deadline, then every ping 200 with an empty body within 2 s",
            "SageMaker sends traffic only to containers whose /ping answers 200, and gives up on a ping after 2 s; "
            "an endpoint whose containers never pass fails to create",
            "answer GET /ping quickly with 200 and no body once the model is loaded; do no heavy work in /ping",
        ),
        Rule(
            "sample-request",
            "the sample answers 2xx within 60 s, with the declared Content-Type",
            "this is the request your callers will send; most other rules send it too, so they cannot be judged "
            "until it works",
            "make POST /invocations accept the sample's Content-Type exactly as sent (parameters such as "
            "`; charset=utf-8` included) and answer within 60 s",
        ),
        Rule(
            "content-type-tolerance",
            "the sample is accepted with its media type bare and with `; charset=utf-8`",
            "SageMaker passes each Content-Type on verbatim, parameters included: the container before yours, or a "
            "caller's HTTP library, may send `text/csv` or `text/csv; charset=utf-8` for the same body; accepting "
            "only one exact spelling breaks as soon as the other side changes",
            "compare only the media type (the part before `;`) and honour a charset parameter when present",
            needs_sample=False,
        ),
        Rule(
            "declared-type",
            "the answer's body parses as the Content-Type it is labelled with",
            "the next container in a pipeline, and the caller's client, choose their parser from the Content-Type; "
            "JSON labelled text/html (a Flask default) or CSV labelled JSON breaks them",
            "set the response's Content-Type to what the body is, e.g. `application/json` for JSON",
            needs_sample=True,
        ),
        Rule(
            "unsupported-content-type",
            "a Content-Type the image does not claim gets 4xx (415), never 5xx",
            "a 5xx reads to SageMaker and to callers as a broken model (ModelError), not as a wrong request",
            "answer 415 Unsupported Media Type for Content-Types you do not handle",
            needs_sample=True,
        ),
        Rule(
            "malformed-body",
            "empty, garbage-byte and wrong-shape bodies get 4xx, and /ping still answers 200 after each",
            "a 5xx or a crash on bad input takes the container out of service for every caller; a 2xx with a "
            "made-up prediction for a wrong-shaped row is a silent wrong answer",
            "validate the body before predicting: answer 400 with a message for empty, undecodable or wrongly "
            "shaped input, and never let one request kill the server",
            needs_sample=True,
        ),
        Rule(
            "unknown-headers",
            "unknown X-Amzn-SageMaker-* headers and custom attributes change nothing",
            "SageMaker adds headers of its own (custom attributes, inference ids, new ones over time); the "
            "contract says containers must ignore the ones they do not know",
            "ignore request headers you do not use; do not reject unknown X-Amzn-SageMaker-* headers",
            needs_sample=True,
        ),
        Rule(
            "large-body",
            "a body just under 6 MiB is not refused for its size (413 or a dropped connection)",
            "SageMaker accepts request bodies up to 6 MiB; a proxy in the image with a smaller limit (nginx "
            "defaults to 1 MB) refuses what SageMaker lets through",
            "raise the body limit of every proxy in the image to at least 6m (nginx: client_max_body_size 6m;)",
            needs_sample=True,
        ),
        Rule(
            "concurrency",
            "16 sample requests at once are all answered 2xx",
            "SageMaker sends requests concurrently; a server that handles one at a time queues or drops the rest",
            "serve with several workers or threads (gunicorn --workers/--threads) and a listen backlog",
            needs_sample=True,
        ),
        Rule(
            "sigterm",
            "a serving container exits within 30 s of SIGTERM",
            "SageMaker stops containers with SIGTERM and kills them 30 s later; a container that ignores SIGTERM "
            "slows every update and loses in-flight work abruptly",
            "run the server as PID 1 via an exec-form ENTRYPOINT (or exec in the script) and stop on SIGTERM",
        ),
        Rule(
            "read-only-model",
            "/opt/ml/model is mounted read-only and the sample still answers 2xx",
            "SageMaker unpacks ModelDataUrl into /opt/ml/model and mounts it read-only; writing there fails",
            "write caches and temporary files to /tmp, never to /opt/ml/model",
            needs_sample=True,
        ),
        Rule(
            "pipeline-links",
            "the sample travels the chain: each answer, its Content-Type passed on whole, is "
            "accepted by the next container, within 5 MB",
            "in a serial pipeline SageMaker sends each answer, with its Content-Type verbatim, to the next "
            "container, and refuses payloads over 5 MB between containers",
            "make each container answer with a Content-Type the next one accepts (compare media types, not "
            "exact strings) and keep intermediate payloads small",
        ),
    )
}

# The order tests are listed in, and the order in which failures are worth fixing.
TARGET_RULES = (
    "serve-argument",
    "bind-to-port",
    "default-port",
    "pipeline-label",
    "ping",
    "sample-request",
    "content-type-tolerance",
    "declared-type",
    "unsupported-content-type",
    "malformed-body",
    "unknown-headers",
    "large-body",
    "concurrency",
    "sigterm",
    "read-only-model",
)
PIPELINE_RULE = "pipeline-links"
FIX_ORDER = (
    "serve-argument",
    "ping",
    "default-port",
    "sample-request",
    "bind-to-port",
    "pipeline-label",
    *(
        r
        for r in TARGET_RULES
        if r not in ("serve-argument", "ping", "default-port", "sample-request", "bind-to-port", "pipeline-label")
    ),
    PIPELINE_RULE,
)


def rule(name: str) -> Rule:
    """Return the rule called `name`."""
    return RULES[name]

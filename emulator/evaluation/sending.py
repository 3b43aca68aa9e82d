"""Send the rows through InvokeEndpoint in batches, several at a time, and collect answers and failures."""

import logging
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from tqdm import tqdm

from .answers import AnswerError, extract
from .data import request_body
from .errors import EvaluationError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """How to call the endpoint: its name and the InvokeEndpoint headers."""

    endpoint_name: str
    content_type: str = "text/csv"
    accept: str | None = None
    prediction_path: str | None = None
    columns: list[str] | None = None


@dataclass
class Failure:
    """A failed batch: its data rows (1-based), error code and message."""

    first_row: int
    last_row: int
    code: str
    message: str

    def line(self) -> str:
        """Return the one line naming the rows and the error."""
        return f"rows {self.first_row}-{self.last_row}: {self.code}: {' '.join(self.message.split())}"


@dataclass
class Outcome:
    """Every prediction by row index (None where its batch failed), latencies and failures."""

    predictions: list
    latencies_s: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    wall_s: float = 0.0

    def error_counts(self) -> dict[str, int]:
        """Return the number of failed batches per error code."""
        return dict(Counter(f.code for f in self.failures))


def send(
    client,
    request: Request,
    rows: list[list[str]],
    batch_rows: int = 100,
    concurrency: int = 4,
    max_errors: int = 10,
    progress: bool | None = False,
) -> Outcome:
    """Invoke the endpoint for every batch; stop (EvaluationError) after more than max_errors failed batches."""
    outcome = Outcome([None] * len(rows))
    starts = list(range(0, len(rows), batch_rows))
    started = time.perf_counter()
    with (
        tqdm(total=len(rows), unit="row", desc="evaluate", disable=None if progress is None else not progress) as bar,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):
        pending: set[Future] = set()
        queue = iter(starts)
        while True:
            while len(pending) < concurrency and (start := next(queue, None)) is not None:
                pending.add(pool.submit(_invoke, client, request, rows, start, batch_rows))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                start, size, result, latency = future.result()
                _record(outcome, start, size, result, latency, max_errors)
                bar.update(size)
    outcome.wall_s = time.perf_counter() - started
    outcome.failures.sort(key=lambda failure: failure.first_row)
    return outcome


def _invoke(client, request: Request, rows: list[list[str]], start: int, batch_rows: int):
    """Invoke one batch; return (start, size, predictions or Failure, latency)."""
    batch = rows[start : start + batch_rows]

    def failure(code: str, message: str) -> Failure:
        return Failure(start + 1, start + len(batch), code, message)

    headers = {
        "EndpointName": request.endpoint_name,
        "ContentType": request.content_type,
        "Body": request_body(batch, request.columns, request.content_type),
    }
    if request.accept:
        headers["Accept"] = request.accept
    began = time.perf_counter()
    try:
        answer = client.invoke_endpoint(**headers)
        body = answer["Body"].read()
    except ClientError as err:
        error = err.response.get("Error", {})
        return start, len(batch), failure(error.get("Code", "ClientError"), error.get("Message", str(err))), None
    except BotoConnectionError as err:
        raise EvaluationError(
            f"the endpoint cannot be reached: {err}", "check --endpoint-url and that it is running"
        ) from None
    except BotoCoreError as err:
        return start, len(batch), failure(type(err).__name__, str(err)), None
    latency = time.perf_counter() - began
    try:
        predictions = extract(body, answer.get("ContentType"), request.prediction_path)
    except AnswerError as err:
        return start, len(batch), failure(err.code, str(err)), latency
    if len(predictions) != len(batch):
        return (
            start,
            len(batch),
            failure("PredictionCountMismatch", f"{len(batch)} rows sent, {len(predictions)} predictions read"),
            latency,
        )
    return start, len(batch), predictions, latency


def _record(outcome: Outcome, start: int, size: int, result, latency: float | None, max_errors: int) -> None:
    """Store a batch's predictions or failure; raise once failed batches exceed max_errors."""
    if latency is not None:
        outcome.latencies_s.append(latency)
    if not isinstance(result, Failure):
        outcome.predictions[start : start + size] = result
        return
    outcome.failures.append(result)
    log.info("batch failed: %s", result.line())
    if _endpoint_missing(result):
        raise EvaluationError(
            f"the endpoint is not there: {result.message}",
            "check the endpoint name (and --endpoint-url), or start it first",
        )
    if len(outcome.failures) > max_errors:
        counts = ", ".join(f"{code} x{n}" for code, n in outcome.error_counts().items())
        shown = "".join(f"\n  {f.line()}" for f in sorted(outcome.failures, key=lambda f: f.first_row)[:5])
        raise EvaluationError(
            f"{len(outcome.failures)} batches failed ({counts}), more than --max-errors "
            f"{max_errors}; the run stopped:{shown}",
            "fix the endpoint or the data, or raise --max-errors",
        )


def _endpoint_missing(failure: Failure) -> bool:
    """Tell whether the error says the endpoint does not exist (no point sending more)."""
    text = failure.message.lower()
    return (
        failure.code in ("ValidationError", "ValidationException")
        and "endpoint" in text
        and ("not found" in text or "could not find" in text)
    )

"""What a transform run returns: the job's status, each file's outcome, counts and timings."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

# DescribeTransformJob.FailureReason: at most 1024 characters (API reference).
MAX_FAILURE_REASON_CHARS = 1024
FAILURE_PREFIX = "AlgorithmError: See job logs for more information"  # aws/deep-learning-containers#586


class JobStatus(str, Enum):
    """TransformJobStatus at the end of a run (InProgress and Stopping belong to the control plane)."""

    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPED = "Stopped"


class FileStatus(str, Enum):
    """How one input file ended."""

    SUCCEEDED = "Succeeded"  # its .out was written
    FAILED = "Failed"  # a record failed: no .out
    STOPPED = "Stopped"  # the job was stopped before it finished: no .out


@dataclass(frozen=True)
class Progress:
    """Counts so far: records answered, their decompressed input bytes, files finished."""

    records: int
    bytes: int
    files: int


@dataclass(frozen=True)
class FileOutcome:
    """One input file: its key, where its .out went (None when not written), status and why it failed."""

    key: str
    output: str | None
    status: FileStatus
    records: int
    failure: str | None
    seconds: float


@dataclass(frozen=True)
class TransformResult:
    """A finished run: status, FailureReason, per-file outcomes in input order, totals and timings."""

    status: JobStatus
    failure_reason: str | None
    files: list[FileOutcome]
    records: int
    bytes: int
    started: datetime  # TransformStartTime
    ended: datetime  # TransformEndTime
    seconds: float

    @property
    def failed(self) -> list[FileOutcome]:
        """Return the files that failed."""
        return [f for f in self.files if f.status is FileStatus.FAILED]

    @property
    def outputs(self) -> list[str]:
        """Return the locations of the .out objects written, in input order."""
        return [f.output for f in self.files if f.output is not None]


def failure_reason(failed: list[FileOutcome], total: int) -> str:
    """Return a FailureReason in SageMaker's style, with the first failed file and record after it."""
    reason = f"{FAILURE_PREFIX}. {len(failed)} of {total} input file(s) failed; first: {failed[0].failure}"
    return reason if len(reason) <= MAX_FAILURE_REASON_CHARS else reason[: MAX_FAILURE_REASON_CHARS - 3] + "..."

"""Every run's metrics in a database (SQLAlchemy 2: SQLite by default, any URL), and the change since the last."""

import json
import math
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from .defaults import DEFAULT_URL
from .errors import EvaluationError


class Base(DeclarativeBase):
    """Declarative base of the history tables."""


class Run(Base):
    """One evaluation run: which target and data, when, and its metrics as JSON."""

    __tablename__ = "byoc_evaluation_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(255), index=True)
    data_digest: Mapped[str] = mapped_column(String(64), index=True)
    data_path: Mapped[str] = mapped_column(Text)
    task: Mapped[str] = mapped_column(String(32))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    metrics_json: Mapped[str] = mapped_column(Text)

    @property
    def metrics(self) -> dict:
        """Return the stored metrics."""
        return json.loads(self.metrics_json)


class History:
    """The run history at a SQLAlchemy URL; the table is created on first use."""

    def __init__(self, url: str = DEFAULT_URL):
        self.url = url
        try:
            self.engine = create_engine(url)
            Base.metadata.create_all(self.engine)
        except (ArgumentError, SQLAlchemyError, ImportError) as err:
            raise EvaluationError(
                f"cannot open the history database {url!r}: {str(err).splitlines()[0]}",
                "pass --history sqlite:///evaluations.db or a reachable postgresql+psycopg:// URL, or --no-history",
            ) from None

    def record(self, target: str, digest: str, data_path: str, task: str, metrics: dict) -> tuple[Run | None, Run]:
        """Store a run; return (the previous run of the same target and data or None, the new run)."""
        with Session(self.engine, expire_on_commit=False) as session:
            previous = session.scalars(
                select(Run).where(Run.target == target, Run.data_digest == digest).order_by(Run.id.desc()).limit(1)
            ).first()
            run = Run(
                target=target,
                data_digest=digest,
                data_path=data_path,
                task=task,
                finished_at=datetime.now(UTC),
                metrics_json=json.dumps(metrics, sort_keys=True),
            )
            session.add(run)
            session.commit()
            return previous, run

    def runs(self, target: str, digest: str) -> list[Run]:
        """Return every run of a target and data, oldest first."""
        with Session(self.engine) as session:
            query = select(Run).where(Run.target == target, Run.data_digest == digest).order_by(Run.id)
            return list(session.scalars(query))

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()


def changes(previous: dict, current: dict) -> list[tuple[str, float, float]]:
    """Return (metric, before, now) for every number present in both runs, in the current run's order."""
    found = []
    for name, now in current.items():
        before = previous.get(name)
        if _number(now) and _number(before):
            found.append((name, float(before), float(now)))  # type: ignore[arg-type]
    return found


def change_lines(previous: Run | None, current: dict) -> list[str]:
    """Return the lines `--compare` prints."""
    if previous is None:
        return ["compare: no earlier run of this target on this data"]
    when = previous.finished_at.strftime("%Y-%m-%d %H:%M:%S")
    lines = [f"compare: against run {previous.id} of {when} UTC"]
    for name, before, now in changes(previous.metrics, current):
        lines.append(f"  {name:<22} {before:>12.6g} -> {now:<12.6g} ({now - before:+.6g})")
    return lines


def _number(value) -> bool:
    """Tell whether a metrics value is a finite number (not a count list or a nested table)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

"""DataProcessing: InputFilter before sending, JoinSource Input and OutputFilter after the answer.

Developer guide, "Associate Prediction Results with Input Records", and API reference DataProcessing:
- InputFilter selects "a portion of the input data to pass to the algorithm", per record.
- JoinSource Input, CSV: "SageMaker takes each row as a JSON array and joins the transformed data with
  the input by appending each transformed row to the end of the input" (the whole input row, before
  the InputFilter); JSON / JSON Lines: "adds the transformed data to the input JSON object in an
  attribute called SageMakerOutput"; "If the input is not a key-value pair object, SageMaker creates a
  new JSON file ... the input data is stored under the SageMakerInput key and the results are stored
  in SageMakerOutput".
- OutputFilter selects "a portion of the joined dataset" (or of the output when nothing is joined).
To join or filter a multi-record answer, it is split back into one piece per input record (lines for
CSV and JSON Lines, the elements of a JSON array for application/json); a count mismatch fails the file.
"""

from dataclasses import dataclass
from typing import Any

from . import jsonpath
from .formats import CSV, JSON, media_type, parse_answer, parse_units, split_answer, write_unit, write_units
from .records import Record
from .settings import TransformSettings

OUTPUT_KEY, INPUT_KEY = "SageMakerOutput", "SageMakerInput"


@dataclass(frozen=True)
class Prepared:
    """A record as it is sent (after InputFilter), and its parsed input units when the answer needs them."""

    record: Record
    units: tuple[Any, ...] | None
    count: int  # how many answers the model owes for this record


class DataProcessor:
    """Apply one job's InputFilter, JoinSource and OutputFilter; a no-op when the job sets none."""

    def __init__(self, settings: TransformSettings):
        self.active = settings.processes_data
        self.input_format = media_type(settings.content_type) or CSV  # checked by the settings when active
        self.output_format = media_type(settings.accept) or CSV
        self.input_filter = jsonpath.parse(settings.input_filter)
        self.output_filter = jsonpath.parse(settings.output_filter)
        self.join = settings.join_source == "Input"
        self.line_split = settings.split_type == "Line"

    def prepare(self, record: Record) -> Prepared:
        """Return the record to send (InputFilter applied) and what the answer must be matched with."""
        if not self.active:
            return Prepared(record, None, 1)
        units = parse_units(record.data, self.input_format)
        if self.input_filter.is_root:
            sent = record
        else:
            data = write_units([self.input_filter.select(u) for u in units], self.input_format)
            sent = Record(data, data + b"\n" if self.line_split else data, record.span)
        return Prepared(sent, tuple(units), len(units))

    def finish(self, answer: bytes, answer_type: str | None, batch: list[Prepared]) -> list[bytes]:
        """Return the output pieces of one mini-batch's answer, in record order (one piece when inactive)."""
        if not (self.join or not self.output_filter.is_root):
            return [answer]
        fmt = media_type(answer_type) or self.output_format
        units = [u for p in batch for u in (p.units or ())]
        pieces = split_answer(answer, fmt, len(units))
        if not self.join:
            return [self._filtered(piece, fmt) for piece in pieces]
        return [self._joined(unit, piece, fmt) for unit, piece in zip(units, pieces, strict=False)]

    def _filtered(self, piece: bytes, fmt: str | None) -> bytes:
        if fmt == CSV:
            return write_unit(self.output_filter.select(_row(piece)), CSV)
        return write_unit(self.output_filter.select(parse_answer(piece, fmt)), JSON)

    def _joined(self, unit: Any, piece: bytes, fmt: str | None) -> bytes:
        if self.input_format == CSV:
            output = _row(piece) if fmt == CSV else parse_answer(piece, fmt)
            row = list(unit) + (output if isinstance(output, list) else [output])
            return write_unit(self.output_filter.select(row), CSV)
        output = parse_answer(piece, fmt)
        if isinstance(unit, dict):
            joined = {**unit, OUTPUT_KEY: output}
        else:
            joined = {INPUT_KEY: unit, OUTPUT_KEY: output}
        return write_unit(self.output_filter.select(joined), JSON)


def _row(piece: bytes) -> list:
    rows = parse_units(piece, CSV)
    return rows[0] if rows else []

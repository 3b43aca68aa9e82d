"""SageMaker's JSONPath subset for InputFilter / OutputFilter: `$`, `.name`, `*`, `['a','b']`, `[i,j]`, `[s:e]`.

Source: developer guide, "Associate Prediction Results with Input Records", table "Supported JSONPath
Operators" (docs.aws.amazon.com/sagemaker/latest/dg/batch-transform-data-processing.html):
`$` root; `.<name>` child; `*` wildcard; `['<name>' (,'<name>')]` children; `[<number> (,<number>)]`
indexes, negatives allowed (`-1` is the last element); `[<start>:<end>]` slice, an omitted start is the
first element and an omitted end the last. A CSV row is taken as a JSON array, so CSV takes only index
paths. `DataProcessing.OutputFilter` gives `$[0,5:]` as an example, so a union may mix indexes with
one slice; two slices in one union are refused with the text SageMaker logs for `$[0:2,246:]`
(aws/sagemaker-python-sdk#1112). An index outside the array is an error (API reference,
DataProcessing.OutputFilter: "If you specify indexes that aren't within the dimension size of the
joined dataset, you get an error").

Slice ends: the guide's worked example says "`$[1:4]` specifies the second through fifth columns" and
"`[:5]` ... from the first column (index 0) through the sixth column" (section "Example: Output an ID
Column with Results and Exclude the ID Column from the Input (CSV)"), while the operator table
calls it "the array slice() method", whose end is exclusive. We follow the worked example: the end
index is INCLUDED (`SLICE_END_INCLUSIVE`). Slice bounds past the array are clamped, as in Python.

Selections: `.name` and a single `[i]` give the value itself; `['a','b']` on an object gives an object
with those keys (what `$['id','SageMakerOutput']` is documented to produce); indexes/slices/`*` on
an array give an array; `*` on an object gives the object. A step after a multi-element selection
(`$[1:].x`) is outside the subset and refused.
"""

import re
from dataclasses import dataclass
from typing import Any

from .errors import FilterError, JsonPathError

SLICE_END_INCLUSIVE = True  # see the module docstring: the developer guide's `$[1:4]` = columns 2..5
ROOT = "$"

_NAME = re.compile(r"[^.\[\]'\s*]+")
_INT = re.compile(r"-?\d+$")


@dataclass(frozen=True)
class Slice:
    """`[start:end]`; None is an omitted bound."""

    start: int | None
    end: int | None


@dataclass(frozen=True)
class Step:
    """One step: kind is "child" (names[0]), "names", "wildcard" or "indexes" (items)."""

    kind: str
    names: tuple[str, ...] = ()
    items: tuple[int | Slice, ...] = ()

    @property
    def multi(self) -> bool:
        """Return True when the step selects several elements (so nothing may follow it)."""
        if self.kind == "indexes":
            return len(self.items) > 1 or isinstance(self.items[0], Slice)
        return self.kind in ("names", "wildcard")


@dataclass(frozen=True)
class JsonPath:
    """A parsed expression: apply it with `select`."""

    text: str
    steps: tuple[Step, ...]

    @property
    def is_root(self) -> bool:
        """Return True for `$` (selects the whole record)."""
        return not self.steps

    def select(self, value: Any) -> Any:
        """Return the part of `value` this path selects; raise FilterError when it does not apply."""
        for step in self.steps:
            value = _apply(step, value, self.text)
        return value


def parse(text: str) -> JsonPath:
    """Parse a JSONPath of SageMaker's subset; raise JsonPathError saying what is wrong."""
    text = text.strip()
    if not text.startswith(ROOT):
        raise JsonPathError(f"Invalid JsonPath: {text!r}: it must start with '$' (the root element)")
    steps: list[Step] = []
    pos = 1
    while pos < len(text):
        if steps and steps[-1].multi:
            raise JsonPathError(
                f"Invalid JsonPath: {text}: nothing may follow a multi-element selection (at {text[pos:]!r})"
            )
        step, pos = _step(text, pos)
        steps.append(step)
    return JsonPath(text, tuple(steps))


def _step(text: str, pos: int) -> tuple[Step, int]:
    if text.startswith(".[", pos):
        pos += 1
    if text[pos] == "[":
        end = text.find("]", pos)
        if end < 0:
            raise JsonPathError(f"Invalid JsonPath: {text}: '[' without a closing ']'")
        return _bracket(text, text[pos + 1 : end].strip()), end + 1
    if text[pos] == ".":
        if text.startswith("*", pos + 1):
            return Step("wildcard"), pos + 2
        match = _NAME.match(text, pos + 1)
        if match:
            return Step("child", names=(match.group(),)), match.end()
    raise JsonPathError(
        f"Invalid JsonPath: {text}: unexpected {text[pos:]!r}; use .name, ['name'], [index] or [start:end]"
    )


def _bracket(text: str, inner: str) -> Step:
    if inner == "*":
        return Step("wildcard")
    parts = [p.strip() for p in inner.split(",")]
    if all(len(p) >= 2 and p[0] == p[-1] == "'" for p in parts):
        return Step("names", names=tuple(p[1:-1] for p in parts))
    items = tuple(_item(text, p) for p in parts)
    if sum(isinstance(i, Slice) for i in items) > 1:
        raise JsonPathError(
            f"Invalid JsonPath: {text}: only single range filters of format (eg: [1:5]) are "
            f"supported. Format [{inner}] is not supported"
        )
    return Step("indexes", items=items)


def _item(text: str, part: str) -> int | Slice:
    if ":" in part:
        bounds = [b.strip() for b in part.split(":")]
        if len(bounds) != 2 or not all(b == "" or _INT.match(b) for b in bounds):
            raise JsonPathError(f"Invalid JsonPath: {text}: {part!r} is not a slice [start:end] (no step allowed)")
        return Slice(*(int(b) if b else None for b in bounds))
    if not _INT.match(part):
        raise JsonPathError(f"Invalid JsonPath: {text}: {part!r} is neither an index, a slice nor a quoted 'name'")
    return int(part)


def _apply(step: Step, value: Any, text: str) -> Any:
    if step.kind == "wildcard":
        if isinstance(value, (dict, list)):
            return value.copy()
        raise FilterError(f"{text}: '*' needs an object or an array, got {_kind(value)}")
    if step.kind in ("child", "names"):
        if not isinstance(value, dict):
            raise FilterError(f"{text}: {step.names[0]!r} needs an object, got {_kind(value)}")
        missing = [n for n in step.names if n not in value]
        if missing:
            raise FilterError(f"{text}: the record has no attribute {', '.join(map(repr, missing))}")
        return value[step.names[0]] if step.kind == "child" else {n: value[n] for n in step.names}
    if not isinstance(value, list):
        raise FilterError(f"{text}: an index needs an array (a CSV row), got {_kind(value)}")
    selected: list = []
    for item in step.items:
        selected.extend(_slice(item, value) if isinstance(item, Slice) else [value[_index(item, len(value), text)]])
    return selected if step.multi else selected[0]


def _index(i: int, size: int, text: str) -> int:
    if not -size <= i < size:
        raise FilterError(f"{text}: index {i} is outside the array of {size} element(s)")
    return i % size


def _slice(s: Slice, value: list) -> list:
    size = len(value)
    start = 0 if s.start is None else (s.start + size if s.start < 0 else s.start)
    if s.end is None:
        stop = size
    else:
        end = s.end + size if s.end < 0 else s.end
        stop = end + 1 if SLICE_END_INCLUSIVE else end
    return value[max(start, 0) : max(stop, 0)]


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return kinds.get(type(value), type(value).__name__)

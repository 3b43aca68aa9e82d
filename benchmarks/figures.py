"""One measured figure with its target, printed as a line and gathered into the markdown table of README.md.

A ratio is value / target: at most 1 meets a ceiling (latency, size, seconds), at least 1 meets a
floor (rows/s, a share of the direct chain).
"""

import re
from dataclasses import dataclass

START_MARKER = "<!-- figures:start -->"
END_MARKER = "<!-- figures:end -->"


@dataclass(frozen=True)
class Figure:
    """One figure: what, its value and unit, and the target it is held to (None: shown for context)."""

    section: str
    what: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Return value / target, or None without a target (or a zero target)."""
        return self.value / self.target if self.target else None

    @property
    def verdict(self) -> str:
        """Return "met", "MISSED" or "" (no target)."""
        if self.target is None:
            return ""
        met = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "met" if met else "MISSED"

    @property
    def target_text(self) -> str:
        """Return e.g. "<= 4 ms" or ">= 60,000 rows/s", or "" without a target."""
        if self.target is None:
            return ""
        return f"{'>=' if self.higher_is_better else '<='} {number(self.target)} {self.unit}".rstrip()

    def line(self) -> str:
        """Return the figure as one printed line, its target and ratio beside it."""
        text = f"  {self.what:58} {number(self.value):>10} {self.unit:7}"
        if self.target is not None:
            ratio = f"{self.ratio:5.2f}" if self.ratio is not None else "    -"
            text += f"  target {self.target_text:18} ratio {ratio}  {self.verdict}"
        return text + (f"  ({self.note})" if self.note else "")


def number(value: float) -> str:
    """Return a value the way the tables show it: thousands separated, two decimals below 100."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}"


def markdown(figures: list["Figure"]) -> str:
    """Return the figures as a markdown table: section, figure, value, target, ratio, verdict."""
    rows = ["| section | figure | value | target | ratio | |", "|---|---|---:|---|---:|---|"]
    for figure in figures:
        ratio = f"{figure.ratio:.2f}" if figure.ratio is not None else ""
        what = figure.what + (f" ({figure.note})" if figure.note else "")
        value = f"{number(figure.value)} {figure.unit}".rstrip()
        rows.append(f"| {figure.section} | {what} | {value} | {figure.target_text} | {ratio} | {figure.verdict} |")
    return "\n".join(rows) + "\n"


def replace_table(text: str, table: str) -> str:
    """Return `text` with everything between the figures markers replaced by `table`; ValueError without them."""
    pattern = re.compile(re.escape(START_MARKER) + r".*?" + re.escape(END_MARKER), re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"expected one {START_MARKER} ... {END_MARKER} pair")
    return pattern.sub(lambda _: f"{START_MARKER}\n{table.rstrip()}\n{END_MARKER}", text)

"""Column widths of a table as a browser sizes an auto-layout table 100% wide (CSS 2.1 §17.5.2.2), from what its
cells hold — so the DOCX gets the columns the PDF has instead of equal ones. Widths are in ems of the body text.

A cell's extent is its narrowest possible width (its widest unit that cannot break: a no-break span, a Latin word,
else one character, since Japanese breaks anywhere) and its widest (its longest line unbroken).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from council.documents.layout import text_width

Segment = tuple[str, bool]  # text, whether it is a no-break span
_LATIN_WORD = re.compile(r"[!-~]+")


@dataclass(frozen=True)
class Extent:
    minimum: float
    maximum: float


def _units(text: str) -> list[str]:
    """Where `text` may break: Latin words stay whole, any other character stands alone."""
    units: list[str] = []
    position = 0
    for match in _LATIN_WORD.finditer(text):
        units.extend(text[position : match.start()])
        units.append(match.group(0))
        position = match.end()
    units.extend(text[position:])
    return [unit for unit in units if unit.strip()]


def cell_extent(lines: Sequence[Sequence[Segment]]) -> Extent:
    """The extent of a cell holding `lines` (its <br>-separated lines, each a sequence of segments)."""
    minimum = maximum = 0.0
    for line in lines:
        maximum = max(maximum, sum(text_width(text) for text, _ in line))
        for text, no_break in line:
            units = [text] if no_break else _units(text)
            minimum = max([minimum, *(text_width(unit) for unit in units)])
    return Extent(minimum, maximum)


def column_widths(
    rows: Sequence[Sequence[Extent]], available: float, *, padding: float, fixed: Mapping[int, float] | None = None
) -> list[float]:
    """Widths (ems) of the columns of `rows` filling `available`: every column at least its widest unbreakable unit,
    room beyond that shared in proportion to what each column would take unbroken; `fixed` columns (index → ems, as
    CSS `width` on their cells) keep their width unless their content needs more."""
    count = max((len(row) for row in rows), default=0)
    if count == 0:
        return []
    fixed = fixed or {}
    minimum = [padding] * count
    maximum = [padding] * count
    for row in rows:
        for index, extent in enumerate(row):
            minimum[index] = max(minimum[index], extent.minimum + padding)
            maximum[index] = max(maximum[index], extent.maximum + padding)
    for index, width in fixed.items():
        if index < count:
            minimum[index] = maximum[index] = max(minimum[index], width)
    flexible = [index for index in range(count) if index not in fixed] or list(range(count))
    if sum(maximum) <= available:
        spare = available - sum(maximum)
        weight = sum(maximum[index] for index in flexible)
        return [
            width + (spare * width / weight if index in flexible and weight else 0.0)
            for index, width in enumerate(maximum)
        ]
    if sum(minimum) <= available:
        spare = available - sum(minimum)
        give = [maximum[index] - minimum[index] for index in range(count)]
        return [minimum[index] + spare * give[index] / sum(give) for index in range(count)]
    return [width * available / sum(minimum) for width in minimum]  # too wide whatever we do: shrink evenly

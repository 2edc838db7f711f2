"""Text hygiene for documents: one-line fields, Markdown escaping, era dates as documents print them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from council.wareki import WEEKDAYS_JA, wareki_date, wareki_datetime

# C0/C1 controls, DEL and the Unicode line/paragraph separators: a title must never start a new line (in Markdown
# that could forge a heading or an 「以上」, in a mail header a new header).
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# ASCII spaces only: the full-width space (U+3000) is part of Japanese layout and is kept.
_ASCII_SPACES = re.compile(r" {2,}")
# Characters that Markdown (CommonMark + GFM) could read as markup or raw HTML. `*` and `_` only open emphasis
# when a non-space follows them, so a trailing mark like the tally's 「…関係*」 stays as it is.
_MARKDOWN_SPECIAL = re.compile(r"([\\`\[\]<>#|~&]|[*_](?=\S))")
CIRCLED_DIGITS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def one_line(text: str) -> str:
    """`text` as a single line: NFC, every control character (CR, LF, TAB …) a space, runs of spaces one."""
    flat = _BREAKS.sub(" ", unicodedata.normalize("NFC", text))
    return _ASCII_SPACES.sub(" ", flat).strip(" ")


def markdown_escape(text: str) -> str:
    """Escape what Markdown would interpret, so a title like '<script>' or '[x](javascript:…)' stays text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def circled(number: int) -> str:
    """① … ⑳, then (21), (22) … — the source numbers table rows with circled digits."""
    return CIRCLED_DIGITS[number - 1] if 1 <= number <= len(CIRCLED_DIGITS) else f"({number})"


def month_day(day: date) -> str:
    """'6月23日' — within a document whose year is clear."""
    return f"{day.month}月{day.day}日"


def month_day_weekday(day: date) -> str:
    """'6月23日（火）'."""
    return f"{month_day(day)}（{WEEKDAYS_JA[day.weekday()]}）"


def meeting_time_span(starts_at: datetime, ends_at: datetime) -> str:
    """'令和8年7月8日（水）14時00分～16時00分'; a span over days repeats the date. Pass local (Tokyo) times."""
    start = wareki_datetime(starts_at)
    if ends_at.date() == starts_at.date():
        return f"{start}～{ends_at.hour}時{ends_at.minute:02d}分"
    return f"{start}～{wareki_datetime(ends_at)}"


def letter_date(day: date) -> str:
    """The date line of a letter: '令和8年6月15日' (official letters print it without the weekday)."""
    return wareki_date(day, weekday=False)

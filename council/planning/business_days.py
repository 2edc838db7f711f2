"""Japanese business days: weekends, national holidays (jpholiday), the year-end closure and local exceptions.

`BusinessCalendar` is a value: the planner, the tick and the documents all take one as a parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import jpholiday

WEEKDAY_NAMES_JA = ("月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日", "日曜日")


@dataclass(frozen=True)
class MonthDay:
    month: int
    day: int

    def __post_init__(self) -> None:
        date(2000, self.month, self.day)  # 2000 is a leap year: accepts 02-29, rejects 02-30

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        """'12-29' → MonthDay(12, 29)."""
        month, day = text.split("-")
        return cls(int(month), int(day))

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days the offices are open.

    `closed_weekdays` uses Python's numbering (Monday 0 … Sunday 6). The year-end closure runs from
    `year_end_start` to `year_end_end` across New Year (12-29 … 01-03 by default). `extra_closed` and `extra_open`
    are dated exceptions; an open exception wins over every closure.
    """

    closed_weekdays: frozenset[int] = frozenset({5, 6})
    national_holidays: bool = True
    year_end_start: MonthDay | None = MonthDay(12, 29)
    year_end_end: MonthDay | None = MonthDay(1, 3)
    extra_closed: frozenset[date] = field(default_factory=frozenset)
    extra_open: frozenset[date] = field(default_factory=frozenset)

    def closure_reason(self, day: date) -> str | None:
        """Why the offices are closed on `day` (in Japanese, for people), or None on a business day."""
        if day in self.extra_open:
            return None
        if day in self.extra_closed:
            return "休業日（個別指定）"
        if self.national_holidays:
            name = jpholiday.is_holiday_name(day)
            if name:
                return f"祝日（{name}）"
        if self._in_year_end(day):
            return "年末年始"
        if day.weekday() in self.closed_weekdays:
            return WEEKDAY_NAMES_JA[day.weekday()]
        return None

    def is_business_day(self, day: date) -> bool:
        return self.closure_reason(day) is None

    def _in_year_end(self, day: date) -> bool:
        if self.year_end_start is None or self.year_end_end is None:
            return False
        start, end = self.year_end_start, self.year_end_end
        key = (day.month, day.day)
        if (start.month, start.day) <= (end.month, end.day):
            return (start.month, start.day) <= key <= (end.month, end.day)
        return key >= (start.month, start.day) or key <= (end.month, end.day)

    def add_business_days(self, day: date, count: int) -> date:
        """The `count`-th business day after `day` (before it when negative); `day` itself is not counted.

        2026-12-25 plus 5 is 2027-01-07: 12-28, then the year-end closure, then 01-04 … 01-07.
        With count 0, `day` is returned as it is, open or not.
        """
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        current = day
        while remaining:
            current += step
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """The n with add_business_days(start, n) == end for a business day `end`: the business days in
        (start, end], or minus those in [end, start) when `end` is earlier."""
        if end < start:
            return -sum(1 for d in iter_days(end, start - timedelta(days=1)) if self.is_business_day(d))
        return sum(1 for d in iter_days(start + timedelta(days=1), end) if self.is_business_day(d))

    def business_days_in(self, start: date, end: date) -> Iterator[date]:
        """The business days in [start, end], in order."""
        return (d for d in iter_days(start, end) if self.is_business_day(d))

    def next_business_day(self, day: date) -> date:
        """`day` itself when open, else the first open day after it."""
        return day if self.is_business_day(day) else self.add_business_days(day, 1)

    def previous_business_day(self, day: date) -> date:
        """`day` itself when open, else the last open day before it."""
        return day if self.is_business_day(day) else self.add_business_days(day, -1)


def iter_days(start: date, end: date) -> Iterator[date]:
    """Every date in [start, end]."""
    current = start
    while current <= end:
        yield current
        current += timedelta(days=1)

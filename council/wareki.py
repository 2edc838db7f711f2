"""Japanese era dates (和暦) and fiscal years, as official documents write them.

令和 began on 2019-05-01; the first year of an era is written 元年. Fiscal years run April–March and are named after
the era year of their April (FY2019 is conventionally 令和元年度, the era having changed in its second month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")


@dataclass(frozen=True)
class Era:
    name: str
    start: date


# Newest first: the first era whose start is on or before a date is its era.
ERAS: tuple[Era, ...] = (
    Era("令和", date(2019, 5, 1)),
    Era("平成", date(1989, 1, 8)),
    Era("昭和", date(1926, 12, 25)),
    Era("大正", date(1912, 7, 30)),
    Era("明治", date(1868, 10, 23)),
)


def era_of(day: date) -> tuple[Era, int]:
    """The era of a date and the year within it (1 for the first year)."""
    for era in ERAS:
        if day >= era.start:
            return era, day.year - era.start.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era")


def era_year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def wareki_year(day: date) -> str:
    """'令和8年' for any date in 2026."""
    era, year = era_of(day)
    return f"{era.name}{era_year_text(year)}年"


def wareki_date(day: date, *, weekday: bool = True) -> str:
    """'令和8年6月15日（月）'; without the weekday: '令和8年6月15日'."""
    text = f"{wareki_year(day)}{day.month}月{day.day}日"
    return f"{text}（{WEEKDAYS_JA[day.weekday()]}）" if weekday else text


def wareki_datetime(moment: datetime, *, weekday: bool = True) -> str:
    """'令和8年7月8日（水）14時00分' — the moment in its own time zone (pass an Asia/Tokyo datetime)."""
    return f"{wareki_date(moment.date(), weekday=weekday)}{moment.hour}時{moment.minute:02d}分"


def wareki_time(moment: datetime) -> str:
    """'14時00分'."""
    return f"{moment.hour}時{moment.minute:02d}分"


def short_date(day: date) -> str:
    """'6月15日（月）' — within a document whose year is already clear."""
    return f"{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


def fiscal_year_of(day: date) -> int:
    """The fiscal year (April–March) a date belongs to, named by the calendar year of its April."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """First and last day of a fiscal year: (FY-04-01, FY+1-03-31)."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def fiscal_year_label(fiscal_year: int) -> str:
    """'令和8年度' for 2026; '令和元年度' for 2019 (the era of the fiscal year's last day names it)."""
    era, _ = era_of(date(fiscal_year + 1, 3, 31))
    year_in_era = fiscal_year - era.start.year + 1
    return f"{era.name}{era_year_text(year_in_era)}年度"

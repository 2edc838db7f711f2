from datetime import date, datetime

import pytest

from council.clock import TOKYO
from council.wareki import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    short_date,
    wareki_date,
    wareki_datetime,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 15), "令和8年6月15日（月）"),
        (date(2019, 5, 1), "令和元年5月1日（水）"),
        (date(2019, 4, 30), "平成31年4月30日（火）"),
        (date(1989, 1, 8), "平成元年1月8日（日）"),
        (date(1989, 1, 7), "昭和64年1月7日（土）"),
        (date(2027, 3, 31), "令和9年3月31日（水）"),
    ],
)
def test_wareki_date(day: date, expected: str) -> None:
    assert wareki_date(day) == expected


def test_wareki_date_without_weekday_and_short_form() -> None:
    assert wareki_date(date(2026, 7, 8), weekday=False) == "令和8年7月8日"
    assert short_date(date(2026, 7, 8)) == "7月8日（水）"


def test_wareki_datetime_uses_the_moment_own_zone() -> None:
    assert wareki_datetime(datetime(2026, 7, 8, 14, 0, tzinfo=TOKYO)) == "令和8年7月8日（水）14時00分"
    assert wareki_datetime(datetime(2026, 7, 8, 9, 5, tzinfo=TOKYO)) == "令和8年7月8日（水）9時05分"


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [(2026, "令和8年度"), (2019, "令和元年度"), (2020, "令和2年度"), (2018, "平成30年度"), (2017, "平成29年度")],
)
def test_fiscal_year_label(fiscal_year: int, label: str) -> None:
    assert fiscal_year_label(fiscal_year) == label


def test_fiscal_year_runs_april_to_march() -> None:
    assert fiscal_year_of(date(2026, 4, 1)) == 2026
    assert fiscal_year_of(date(2027, 3, 31)) == 2026
    assert fiscal_year_of(date(2026, 3, 31)) == 2025
    assert fiscal_year_bounds(2026) == (date(2026, 4, 1), date(2027, 3, 31))

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from council.planning.business_days import BusinessCalendar, MonthDay

CALENDAR = BusinessCalendar()


def test_plus_five_business_days_crosses_the_year_end_closure() -> None:
    assert CALENDAR.add_business_days(date(2026, 12, 25), 5) == date(2027, 1, 7)


def test_substitute_holiday_is_closed() -> None:
    assert CALENDAR.closure_reason(date(2027, 3, 22)) == "祝日（春分の日 振替休日）"
    assert not CALENDAR.is_business_day(date(2027, 3, 22))


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 12, 29), "年末年始"),
        (date(2027, 1, 3), "年末年始"),
        (date(2027, 1, 1), "祝日（元日）"),
        (date(2026, 11, 28), "土曜日"),
        (date(2026, 11, 29), "日曜日"),
        (date(2026, 5, 4), "祝日（みどりの日）"),
    ],
)
def test_closure_reasons(day: date, reason: str) -> None:
    assert CALENDAR.closure_reason(day) == reason


def test_business_day_has_no_reason() -> None:
    assert CALENDAR.closure_reason(date(2026, 12, 28)) is None
    assert CALENDAR.closure_reason(date(2027, 1, 4)) is None


def test_subtracting_business_days() -> None:
    assert CALENDAR.add_business_days(date(2027, 1, 7), -5) == date(2026, 12, 25)
    assert CALENDAR.add_business_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


def test_exceptions_and_configurable_closure() -> None:
    calendar = BusinessCalendar(
        year_end_start=MonthDay(12, 28),
        year_end_end=MonthDay(1, 4),
        extra_closed=frozenset({date(2026, 8, 14)}),
        extra_open=frozenset({date(2026, 11, 28)}),
    )
    assert calendar.closure_reason(date(2026, 12, 28)) == "年末年始"
    assert calendar.closure_reason(date(2026, 8, 14)) == "休業日（個別指定）"
    assert calendar.is_business_day(date(2026, 11, 28))
    without_closure = BusinessCalendar(year_end_start=None, year_end_end=None)
    assert without_closure.is_business_day(date(2026, 12, 29))


def test_month_day_rejects_impossible_dates() -> None:
    with pytest.raises(ValueError, match="day is out of range"):
        MonthDay(2, 30)
    assert MonthDay.parse("02-29") == MonthDay(2, 29)


@given(st.dates(min_value=date(2019, 1, 1), max_value=date(2040, 12, 31)), st.integers(min_value=-40, max_value=40))
def test_adding_then_subtracting_lands_on_the_previous_business_day(day: date, count: int) -> None:
    moved = CALENDAR.add_business_days(day, count)
    if count != 0:
        assert CALENDAR.is_business_day(moved)
        assert CALENDAR.business_days_between(day, moved) == count
    back = CALENDAR.add_business_days(moved, -count)
    expected = (
        day if count == 0 else (CALENDAR.previous_business_day(day) if count > 0 else CALENDAR.next_business_day(day))
    )
    assert back == expected

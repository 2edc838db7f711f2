"""The only place that reads the wall clock. Everything below the CLI/flow boundary takes time as a parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_in_tokyo() -> datetime:
    return datetime.now(TOKYO)


def today_in_tokyo() -> date:
    return now_in_tokyo().date()

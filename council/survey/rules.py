"""The survey's configurable rules (reference/survey.yaml): fallback windows, reminder steps, candidate threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from council.errors import InputError
from council.planning.business_days import MonthDay
from council.yamlfile import YamlDocument, load_yaml, reloading

RULES_FILE = "survey.yaml"


@dataclass(frozen=True)
class Window:
    opens_on: date
    closes_on: date


@dataclass(frozen=True)
class MonthDayWindow:
    opens: MonthDay
    closes: MonthDay

    def in_fiscal_year(self, fiscal_year: int) -> Window:
        return Window(_in_fiscal_year(self.opens, fiscal_year), _in_fiscal_year(self.closes, fiscal_year))


@dataclass(frozen=True)
class ReminderStep:
    step: str
    business_days: int  # relative to the deadline; negative = before


@dataclass(frozen=True)
class SurveyRules:
    municipal_window: MonthDayWindow = MonthDayWindow(MonthDay(5, 29), MonthDay(6, 23))
    department_window: MonthDayWindow = MonthDayWindow(MonthDay(6, 7), MonthDay(6, 23))
    department_opens_after_business_days: int = 7
    reminders: tuple[ReminderStep, ...] = (
        ReminderStep("before-3", -3),
        ReminderStep("after-1", 1),
        ReminderStep("after-5", 5),
    )
    candidate_min_municipal_answers: int = 10
    new_deadline_business_days: int = 3  # a reminder after the deadline sets a new one, this many days after it


def _in_fiscal_year(day: MonthDay, fiscal_year: int) -> date:
    return day.in_year(fiscal_year if day.month >= 4 else fiscal_year + 1)


def _month_day(document: YamlDocument, key_path: tuple[str | int, ...], value: object) -> MonthDay:
    try:
        return MonthDay.parse(str(value))
    except ValueError:
        raise document.error(key_path, f"{value!r} is not a month-day like '06-23'") from None


def _window(document: YamlDocument, key: str) -> MonthDayWindow:
    data = (document.data.get("fallback_windows") or {}).get(key)
    if not isinstance(data, dict):
        raise document.error(("fallback_windows", key), "needs opens and closes")
    window = MonthDayWindow(
        _month_day(document, ("fallback_windows", key, "opens"), data.get("opens")),
        _month_day(document, ("fallback_windows", key, "closes"), data.get("closes")),
    )
    if window.in_fiscal_year(2000).opens_on > window.in_fiscal_year(2000).closes_on:
        raise document.error(("fallback_windows", key), "opens after it closes")
    return window


def load_rules(path: Path) -> SurveyRules:
    """reference/survey.yaml (or the council's copy); InputError naming the file, line and key when wrong."""
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise InputError("expected a mapping", file=str(document.path))
    steps: list[ReminderStep] = []
    for index, entry in enumerate(document.data.get("reminders") or []):
        if not isinstance(entry, dict) or not entry.get("step") or not isinstance(entry.get("business_days"), int):
            raise document.error(("reminders", index), "needs a step name and an integer business_days")
        steps.append(ReminderStep(str(entry["step"]), entry["business_days"]))
    if len({step.step for step in steps}) != len(steps):
        raise document.error(("reminders",), "step names must be unique")
    offset = document.data.get("department_opens_after_business_days", 0)
    threshold = document.data.get("candidate_min_municipal_answers", 10)
    if not isinstance(offset, int) or offset < 0:
        raise document.error(("department_opens_after_business_days",), "must be a non-negative integer")
    if not isinstance(threshold, int) or threshold < 1:
        raise document.error(("candidate_min_municipal_answers",), "must be a positive integer")
    extension = document.data.get("new_deadline_business_days", 3)
    if not isinstance(extension, int) or extension < 1:
        raise document.error(("new_deadline_business_days",), "must be a positive integer")
    return SurveyRules(
        municipal_window=_window(document, "municipality"),
        department_window=_window(document, "department"),
        department_opens_after_business_days=offset,
        reminders=tuple(sorted(steps, key=lambda step: step.business_days)),
        candidate_min_municipal_answers=threshold,
        new_deadline_business_days=extension,
    )


survey_rules_at = reloading(load_rules)  # read once per version of the file

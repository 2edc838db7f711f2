from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from council.errors import PlanningError
from council.planning.business_days import BusinessCalendar
from council.planning.planner import Pin, YearPlan, plan_year
from council.planning.rules import Anchor, CycleRules, load_rules
from council.resources import data_dir

TOKYO = ZoneInfo("Asia/Tokyo")
DEFAULT_TEXT = (data_dir("calendar") / "cycle.yaml").read_text(encoding="utf-8")
RULES = load_rules(data_dir("calendar") / "cycle.yaml")
CALENDAR = RULES.business_calendar()
COUNCIL_MEETINGS = ("council-1", "council-2")


def plan(fiscal_year: int = 2026, pins: dict[str, Pin] | None = None, rules: CycleRules = RULES) -> YearPlan:
    return plan_year(rules, fiscal_year, rules.business_calendar(), pins or {})


def rules_from(tmp_path: Path, text: str) -> CycleRules:
    path = tmp_path / "cycle.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def dependents_of_council_1() -> set[str]:
    meetings = {"council-1", "secretariat-1"}
    return {f"meeting:{key}" for key in meetings} | {
        f"task:{prefix}:{key}" for prefix in ("notice", "agenda", "minutes") for key in meetings
    }


# ---- the default year -------------------------------------------------------------------------------------------


def test_fy2026_meetings() -> None:
    year = plan(2026)
    assert {meeting.key: meeting.start.isoformat() for meeting in year.meetings} == {
        "mayors-meeting": "2026-05-20T13:30:00+09:00",
        "secretariat-1": "2026-06-24T10:00:00+09:00",
        "council-1": "2026-07-01T14:00:00+09:00",
        "roundtable": "2026-10-15T13:30:00+09:00",
        "secretariat-2": "2027-02-04T10:00:00+09:00",
        "council-2": "2027-02-16T14:00:00+09:00",
    }
    council_1 = year.meeting("council-1")
    assert council_1.end == datetime(2026, 7, 1, 16, tzinfo=TOKYO)
    assert council_1.title == "令和8年度第1回県・市町村連携推進会議"
    assert council_1.venue == "山形県庁 本庁舎2階 講堂"
    assert year.meeting("secretariat-1").prepares_key == "council-1"


def test_fy2026_stages_run_from_first_to_last_business_day_of_their_window() -> None:
    year = plan(2026)
    assert (year.stage("survey").start, year.stage("survey").end) == (date(2026, 4, 1), date(2026, 4, 30))
    assert (year.stage("working_groups").start, year.stage("working_groups").end) == (
        date(2026, 8, 3),
        date(2026, 9, 30),
    )
    # Nov–Jan crosses the new year: it ends in January of the next calendar year.
    assert (year.stage("budgeting").start, year.stage("budgeting").end) == (date(2026, 11, 2), date(2027, 1, 29))


def test_fy2026_tasks_follow_the_lead_times() -> None:
    year = plan(2026)
    assert year.task("survey:open").due == date(2026, 4, 1)
    assert year.task("survey:deadline").due == date(2026, 4, 22)  # 15 business days
    assert year.task("notice:council-1").due == date(2026, 6, 17)  # 10 business days before 07-01
    assert year.task("agenda:council-1").due == date(2026, 6, 26)
    assert year.task("minutes:council-1").due == date(2026, 7, 15)
    assert year.task("notice:council-1").title == "令和8年度第1回県・市町村連携推進会議の開催通知の発出"
    assert year.task("notice:council-1").meeting_key == "council-1"
    assert len(year.tasks) == 23  # with the roundtable's advance notice
    assert [task.due for task in year.tasks] == sorted(task.due for task in year.tasks)


def test_fiscal_year_2019_is_reiwa_gannen_and_skips_the_golden_week_of_the_enthronement() -> None:
    year = plan(2019)
    assert year.meeting("council-1").title == "令和元年度第1回県・市町村連携推進会議"
    # 2019-04-27 … 05-06 were all closed (天皇の即位の日 and 国民の休日)
    assert year.stage("survey").end == date(2019, 4, 26)
    assert year.stage("theme_candidates").start == date(2019, 5, 7)
    assert "05-01 祝日（天皇の即位の日）" in year.stage("theme_candidates").explanation


# ---- explanations -----------------------------------------------------------------------------------------------


def test_explanations_say_why(tmp_path: Path) -> None:
    year = plan(2026)
    reasons = year.explanations()
    assert reasons["meeting:council-1"].startswith(
        "first Tue/Wed/Thu on/after 07-01 in window 06-01..07-31: 2026-07-01 (水)"
    )
    assert "latest Tue/Wed/Thu on/before 06-24" in reasons["meeting:secretariat-1"]
    assert (
        "5 business days (secretariat_meeting) before meeting council-1 (2026-07-01 (水))"
        in reasons["meeting:secretariat-1"]
    )
    assert reasons["task:notice:council-1"] == (
        "10 business days (notice) before meeting council-1 (2026-07-01 (水)): 2026-06-17 (水)"
    )
    assert set(reasons) == (
        {f"stage:{s.key}" for s in year.stages}
        | {f"meeting:{m.key}" for m in year.meetings}
        | {f"task:{t.key}" for t in year.tasks}
    )


def test_explanation_names_the_holiday_that_was_skipped(tmp_path: Path) -> None:
    # On Mondays from 07-20: 2026-07-20 is 海の日, so the meeting goes to 07-27.
    text = DEFAULT_TEXT.replace(
        'on_or_after: "07-01"\n    weekdays: [tue, wed, thu]', 'on_or_after: "07-20"\n    weekdays: [mon]', 1
    )
    year = plan(2026, rules=rules_from(tmp_path, text))
    assert year.meeting("council-1").day == date(2026, 7, 27)
    assert year.meeting("council-1").explanation == (
        "first Mon on/after 07-20 in window 06-01..07-31: 2026-07-27 (月); 07-20 祝日（海の日） skipped; 14:00–16:00"
    )


def test_pinned_meeting_explains_the_pin() -> None:
    year = plan(2026, {"council-1": Pin(date(2026, 7, 8))})
    assert year.meeting("council-1").explanation.startswith("pinned by the secretariat to 2026-07-08 (水)")


# ---- pins -------------------------------------------------------------------------------------------------------


def test_pin_moves_the_meeting_and_only_what_depends_on_it() -> None:
    before = plan(2026)
    after = plan(2026, {"council-1": Pin(date(2026, 7, 8), time(10, 0))})
    council_1 = after.meeting("council-1")
    assert (council_1.start, council_1.end) == (
        datetime(2026, 7, 8, 10, tzinfo=TOKYO),
        datetime(2026, 7, 8, 12, tzinfo=TOKYO),
    )
    assert council_1.pinned
    assert after.meeting("secretariat-1").day == date(2026, 7, 1)  # 5 business days before, a Wednesday
    old, new = before.explanations(), after.explanations()
    changed = {item for item in old if old[item] != new[item]}
    assert changed == dependents_of_council_1()
    for stage_before, stage_after in zip(before.stages, after.stages, strict=True):
        assert stage_before == stage_after


def test_pin_without_time_keeps_the_rule_time() -> None:
    meeting = plan(2026, {"roundtable": Pin(date(2026, 10, 20))}).meeting("roundtable")
    assert meeting.start == datetime(2026, 10, 20, 13, 30, tzinfo=TOKYO)


def test_pinned_secretariat_meeting_is_kept_when_it_respects_the_lead_time() -> None:
    year = plan(2026, {"secretariat-1": Pin(date(2026, 6, 10))})
    assert year.meeting("secretariat-1").day == date(2026, 6, 10)
    assert year.meeting("council-1").day == date(2026, 7, 1)


# ---- violations are errors --------------------------------------------------------------------------------------


def test_pin_on_a_national_holiday_is_an_error() -> None:
    with pytest.raises(PlanningError, match=r"council-1: pinned to 2026-07-20 \(月\), a closed day \(祝日（海の日）\)"):
        plan(2026, {"council-1": Pin(date(2026, 7, 20))})


def test_pin_on_a_weekend_and_in_the_year_end_closure_is_an_error() -> None:
    with pytest.raises(PlanningError, match="closed day"):
        plan(2026, {"council-1": Pin(date(2026, 7, 4))})
    with pytest.raises(PlanningError, match="年末年始"):
        plan(2026, {"secretariat-2": Pin(date(2026, 12, 29))})


def test_pin_outside_the_window_is_an_error() -> None:
    with pytest.raises(PlanningError, match=r"outside its window 2026-06-01\.\.2026-07-31"):
        plan(2026, {"council-1": Pin(date(2026, 8, 5))})


def test_secretariat_meeting_not_strictly_before_its_council_meeting() -> None:
    for day in (date(2026, 7, 1), date(2026, 7, 2)):
        with pytest.raises(PlanningError, match="not strictly before meeting council-1"):
            plan(2026, {"secretariat-1": Pin(day)})


def test_secretariat_meeting_too_close_to_its_council_meeting() -> None:
    with pytest.raises(PlanningError, match="secretariat-1: lead time cannot be met: pinned to 2026-06-29"):
        plan(2026, {"secretariat-1": Pin(date(2026, 6, 29))})


def test_council_meeting_pinned_too_early_for_its_secretariat_meeting() -> None:
    # 06-02 leaves no business day for the 幹事会 between the theme candidates (05-29) and 5 days before.
    with pytest.raises(PlanningError, match="secretariat-1: lead time cannot be met: no business day"):
        plan(2026, {"council-1": Pin(date(2026, 6, 2))})


def test_pin_before_a_not_before_bound(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace(
        '- {task: "working_groups:report", after: 1}', '- {task: "working_groups:report", after: 5}', 1
    )
    with pytest.raises(
        PlanningError,
        match=r"roundtable: lead time cannot be met: pinned to 2026-10-02 \(金\), before 2026-10-07 = 5 business days "
        r"after task working_groups:report",
    ):
        plan(2026, {"roundtable": Pin(date(2026, 10, 2))}, rules=rules_from(tmp_path, text))


def test_pin_past_midnight_is_an_error() -> None:
    with pytest.raises(PlanningError, match="would end after midnight"):
        plan(2026, {"council-1": Pin(date(2026, 7, 8), time(23, 0))})


def test_pin_for_an_unknown_meeting_is_an_error() -> None:
    with pytest.raises(PlanningError, match="unknown meeting 'council-3'"):
        plan(2026, {"council-3": Pin(date(2026, 7, 8))})


def test_window_with_no_business_day_is_an_error(tmp_path: Path) -> None:
    # 2026-05-03 … 05-06 are Sunday, みどりの日, こどもの日 and a substitute holiday.
    text = DEFAULT_TEXT.replace('window: {start: "05-01", end: "05-31"}', 'window: {start: "05-03", end: "05-06"}', 1)
    with pytest.raises(
        PlanningError, match=r"stage theme_candidates: window 2026-05-03\.\.2026-05-06 has no business day"
    ):
        plan(2026, rules=rules_from(tmp_path, text))


def test_meeting_window_with_no_business_day_is_an_error(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace(
        'window: {start: "10-01", end: "10-31"}\n    on_or_after: "10-15"',
        'window: {start: "10-10", end: "10-12"}\n    on_or_after: "10-10"',
        1,
    )
    # 2026-10-10/11 are a weekend and 10-12 is スポーツの日
    with pytest.raises(PlanningError, match=r"meeting roundtable: window 10-10\.\.10-12 .* has no business day"):
        plan(2026, rules=rules_from(tmp_path, text))


def test_task_lead_time_that_cannot_be_met(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("survey_length: 15 ", "survey_length: 40 ", 1)
    with pytest.raises(PlanningError, match="task survey:summary: lead time cannot be met"):
        plan(2026, rules=rules_from(tmp_path, text))


def test_unpinned_meeting_whose_bounds_leave_no_day(tmp_path: Path) -> None:
    text = DEFAULT_TEXT.replace("minutes: 10 ", "minutes: 10\n  late: 30 ", 1).replace(
        '- {task: "working_groups:report", after: 1}', '- {task: "working_groups:report", after: late}', 1
    )
    with pytest.raises(PlanningError, match="meeting roundtable: lead time cannot be met: no business day in window"):
        plan(2026, rules=rules_from(tmp_path, text))


# ---- properties over fiscal years and pins ------------------------------------------------------------------------

fiscal_years = st.integers(min_value=2019, max_value=2040)


def anchor_date(year: YearPlan, anchor: Anchor, calendar: BusinessCalendar) -> date:
    if anchor.kind == "stage":
        stage = year.stage(anchor.key)
        base = stage.start if anchor.at == "start" else stage.end
    elif anchor.kind == "task":
        base = year.task(anchor.key).due
    else:
        base = year.meeting(anchor.key).day
    return calendar.add_business_days(base, anchor.offset)


def check_plan(year: YearPlan, rules: CycleRules, calendar: BusinessCalendar, pins: dict[str, Pin]) -> None:
    """Every invariant a plan must satisfy, checked from the rules without the planner's help."""
    fy = year.fiscal_year
    for stage in year.stages:
        window_start, window_end = rules.stage(stage.key).window.dates(fy)
        open_days = list(calendar.business_days_in(window_start, window_end))
        assert (stage.start, stage.end) == (open_days[0], open_days[-1])
    meetings = {meeting.key: meeting for meeting in year.meetings}
    assert set(meetings) == {rule.key for rule in rules.meetings}
    for rule in rules.meetings:
        meeting = meetings[rule.key]
        window_start, window_end = rule.window.dates(fy)
        assert calendar.is_business_day(meeting.day), meeting
        assert window_start <= meeting.day <= window_end, meeting
        assert meeting.start.tzinfo is not None
        assert meeting.start.utcoffset() == timedelta(hours=9)
        assert meeting.start < meeting.end
        assert meeting.end.date() == meeting.day
        assert all(meeting.day >= anchor_date(year, anchor, calendar) for anchor in rule.not_before)
        assert all(meeting.day <= anchor_date(year, anchor, calendar) for anchor in rule.not_after)
        if rule.key in pins:
            assert meeting.day == pins[rule.key].day
            assert meeting.pinned
        if rule.prepares is not None:
            prepared = meetings[rule.prepares]
            assert meeting.day < prepared.day
            assert calendar.business_days_between(meeting.day, prepared.day) >= rules.secretariat_lead_time
    dues = {task.key: task.due for task in year.tasks}
    assert set(dues) == rules.task_keys
    for task_rule in rules.tasks:
        task = year.task(task_rule.key)
        assert calendar.is_business_day(task.due)
        assert task.due == anchor_date(year, task_rule.due, calendar)
        assert all(task.due >= anchor_date(year, anchor, calendar) for anchor in task_rule.not_before)
        assert all(task.due <= anchor_date(year, anchor, calendar) for anchor in task_rule.not_after)
        if task_rule.due.kind == "meeting":
            meeting_day = meetings[task_rule.due.key].day
            assert calendar.business_days_between(meeting_day, task.due) == task_rule.due.offset
            assert (task.due < meeting_day) == (task_rule.due.offset < 0)


@pytest.mark.parametrize("fiscal_year", range(2019, 2041))
def test_every_unpinned_year_is_valid_and_deterministic(fiscal_year: int) -> None:
    year = plan(fiscal_year)
    check_plan(year, RULES, CALENDAR, {})
    assert plan(fiscal_year) == year


@st.composite
def random_pins(draw: st.DrawFn) -> tuple[int, dict[str, Pin]]:
    fiscal_year = draw(fiscal_years)
    keys = draw(st.sets(st.sampled_from([meeting.key for meeting in RULES.meetings]), max_size=3))
    pins: dict[str, Pin] = {}
    for key in sorted(keys):
        # Mostly inside the meeting's window (where a pin can be valid), sometimes anywhere in the year.
        first, last = RULES.meeting(key).window.dates(fiscal_year)
        if draw(st.integers(min_value=0, max_value=4)) == 0:
            first, last = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
        day = first + timedelta(days=draw(st.integers(min_value=0, max_value=(last - first).days)))
        start = draw(st.none() | st.builds(time, st.integers(min_value=8, max_value=18), st.sampled_from([0, 30])))
        pins[key] = Pin(day, start)
    return fiscal_year, pins


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=random_pins())
def test_random_pins_give_a_valid_plan_or_a_planning_error(case: tuple[int, dict[str, Pin]]) -> None:
    fiscal_year, pins = case
    refusal: PlanningError | None = None
    try:
        year = plan(fiscal_year, pins)
    except PlanningError as error:
        refusal = error
    if refusal is not None:
        # No plan came out; the error names the meeting it is about.
        assert re.search(r"^FY\d{4} meeting [a-z0-9-]+: ", str(refusal)), refusal
        event("refused")
        return
    event("planned")
    check_plan(year, RULES, CALENDAR, pins)
    assert plan(fiscal_year, pins) == year


@settings(max_examples=40, deadline=None)
@given(fiscal_year=fiscal_years, data=st.data())
def test_a_valid_council_pin_is_honoured_and_moves_only_its_dependents(fiscal_year: int, data: st.DataObject) -> None:
    # From mid-June a 幹事会 always fits between the theme candidates (end of May) and 5 business days before.
    candidates = list(CALENDAR.business_days_in(date(fiscal_year, 6, 15), date(fiscal_year, 7, 31)))
    day = data.draw(st.sampled_from(candidates))
    unpinned = plan(fiscal_year)
    pinned = plan(fiscal_year, {"council-1": Pin(day)})
    assert pinned.meeting("council-1").day == day
    check_plan(pinned, RULES, CALENDAR, {"council-1": Pin(day)})
    old, new = unpinned.explanations(), pinned.explanations()
    assert {item for item in old if old[item] != new[item]} <= dependents_of_council_1()


@settings(max_examples=40, deadline=None)
@given(fiscal_year=fiscal_years, data=st.data())
def test_a_pin_on_a_closed_day_is_always_refused(fiscal_year: int, data: st.DataObject) -> None:
    rule = data.draw(st.sampled_from(RULES.meetings))
    window_start, window_end = rule.window.dates(fiscal_year)
    closed = [
        window_start + timedelta(days=offset)
        for offset in range((window_end - window_start).days + 1)
        if not CALENDAR.is_business_day(window_start + timedelta(days=offset))
    ]
    day = data.draw(st.sampled_from(closed))
    with pytest.raises(PlanningError, match="closed day"):
        plan(fiscal_year, {rule.key: Pin(day)})

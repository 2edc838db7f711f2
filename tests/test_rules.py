from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from council.errors import InputError
from council.planning.business_days import MonthDay
from council.planning.rules import CycleRules, fiscal_date, load_rules
from council.resources import data_dir
from models.enums import Lane, MeetingKind

DEFAULT_FILE = data_dir("calendar") / "cycle.yaml"
DEFAULT_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules() -> CycleRules:
    return load_rules(DEFAULT_FILE)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cycle.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line containing `fragment`."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return hits[occurrence - 1]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


def load_error(tmp_path: Path, text: str) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_rules(path)
    return caught.value


# ---- the shipped file -------------------------------------------------------------------------------------------


def test_default_file_has_the_contracted_stage_keys_lanes_and_titles(rules: CycleRules) -> None:
    assert [(stage.key, stage.lane) for stage in rules.stages] == [
        ("survey", Lane.council),
        ("theme_candidates", Lane.council),
        ("mayors_meeting", Lane.other),
        ("first_meeting", Lane.council),
        ("working_groups", Lane.council),
        ("roundtable", Lane.other),
        ("budgeting", Lane.council),
        ("second_meeting", Lane.council),
    ]
    assert rules.stage("survey").title == "連携課題・ニーズ調査"
    assert rules.stage("budgeting").title == "予算計上（必要に応じて県・市町村で）"
    assert str(rules.stage("budgeting").window) == "11-01..01-31"


def test_default_file_has_the_contracted_meetings(rules: CycleRules) -> None:
    meetings = {meeting.key: meeting for meeting in rules.meetings}
    assert {key: (meeting.kind, meeting.number, meeting.prepares) for key, meeting in meetings.items()} == {
        "secretariat-1": (MeetingKind.secretariat_meeting, 1, "council-1"),
        "council-1": (MeetingKind.council_meeting, 1, None),
        "mayors-meeting": (MeetingKind.mayors_meeting, None, None),
        "roundtable": (MeetingKind.roundtable, None, None),
        "secretariat-2": (MeetingKind.secretariat_meeting, 2, "council-2"),
        "council-2": (MeetingKind.council_meeting, 2, None),
    }
    assert meetings["secretariat-1"].title == "第1回幹事会"
    assert meetings["council-1"].title_for("令和8年度", 2026) == "令和8年度第1回県・市町村連携推進会議"
    assert (meetings["council-1"].start, meetings["council-1"].end) == (time(14), time(16))
    assert meetings["council-1"].weekdays == (1, 2, 3)


def test_default_file_expands_one_task_per_meeting_and_prefix(rules: CycleRules) -> None:
    keys = rules.task_keys
    for meeting in ("secretariat-1", "council-1", "roundtable", "secretariat-2", "council-2"):
        assert {f"notice:{meeting}", f"agenda:{meeting}", f"minutes:{meeting}"} <= keys
    # The 市町村長会議 is another body's meeting: the secretariat owes a report there, not its notice.
    assert "report:mayors-meeting" in keys
    assert not {"notice:mayors-meeting", "agenda:mayors-meeting", "minutes:mayors-meeting"} & keys
    assert {"survey:open", "survey:deadline", "survey:summary", "themes:candidates"} <= keys
    assert len(keys) == 23
    notice = rules.task("notice:council-1")
    assert (notice.due.kind, notice.due.key, notice.due.offset, notice.due.lead_time) == (
        "meeting",
        "council-1",
        -10,
        "notice",
    )


def test_dependency_order_puts_everything_after_what_it_needs(rules: CycleRules) -> None:
    position = {item: index for index, item in enumerate(rules.order)}
    assert position["meeting:council-1"] < position["meeting:secretariat-1"]
    assert position["task:themes:candidates"] < position["meeting:secretariat-1"]
    assert position["meeting:council-1"] < position["task:notice:council-1"]
    assert position["task:survey:open"] < position["task:survey:deadline"] < position["task:survey:summary"]
    assert len(rules.order) == len(rules.stages) + len(rules.meetings) + len(rules.tasks)


def test_digest_is_the_sha256_of_the_file(rules: CycleRules, tmp_path: Path) -> None:
    assert len(rules.digest) == 64
    changed = load_rules(write(tmp_path, DEFAULT_TEXT + "\n# a comment\n"))
    assert changed.digest != rules.digest


# ---- the business calendar the rules describe ---------------------------------------------------------------------


def test_calendar_from_the_rules_knows_the_year_end_and_substitute_holidays(rules: CycleRules) -> None:
    calendar = rules.business_calendar()
    assert calendar.add_business_days(date(2026, 12, 25), 5) == date(2027, 1, 7)
    assert not calendar.is_business_day(date(2027, 3, 22))  # 春分の日 振替休日
    assert [calendar.is_business_day(date(2026, 12, day)) for day in (28, 29, 30, 31)] == [True, False, False, False]
    assert not calendar.is_business_day(date(2027, 1, 4 - 1))
    assert calendar.is_business_day(date(2027, 1, 4))


def test_extra_closed_and_open_days_and_year_end_are_configurable(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "extra_closed: []", 'extra_closed: ["2026-08-14"]')
    text = replace_once(text, "extra_open: []", "extra_open: [2026-12-29]")
    text = replace_once(text, 'year_end: {start: "12-29", end: "01-03"}', 'year_end: {start: "12-28", end: "01-04"}')
    calendar = load_rules(write(tmp_path, text)).business_calendar()
    assert not calendar.is_business_day(date(2026, 8, 14))
    assert calendar.is_business_day(date(2026, 12, 29))  # an open exception wins
    assert not calendar.is_business_day(date(2026, 12, 28))
    assert not calendar.is_business_day(date(2027, 1, 4))


def test_year_end_null_means_no_closure(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, 'year_end: {start: "12-29", end: "01-03"}', "year_end: null")
    assert load_rules(write(tmp_path, text)).business_calendar().is_business_day(date(2026, 12, 29))


def test_fiscal_dates_put_january_to_march_in_the_next_year() -> None:
    assert fiscal_date(MonthDay(4, 1), 2026) == date(2026, 4, 1)
    assert fiscal_date(MonthDay(12, 31), 2026) == date(2026, 12, 31)
    assert fiscal_date(MonthDay(1, 31), 2026) == date(2027, 1, 31)
    assert fiscal_date(MonthDay(3, 31), 2026) == date(2027, 3, 31)


# ---- errors name the file, the line and the key path -------------------------------------------------------------


def test_bad_month_day_names_key_path_and_line(tmp_path: Path) -> None:
    # stages[2] is mayors_meeting; its window starts "05-01"
    marker = 'key: mayors_meeting\n    title: 市町村長会議\n    lane: other\n    window: {start: "05-01"'
    text = replace_once(DEFAULT_TEXT, marker, marker.replace('start: "05-01"', 'start: "13-01"'))
    error = load_error(tmp_path, text)
    expected_line = line_of(text, '"13-01"')
    assert str(error) == (
        f"{tmp_path / 'cycle.yaml'}: line {expected_line}: stages[2].window.start: '13-01' is not a month-day 'MM-DD'"
    )


def test_window_ending_before_it_starts_in_the_fiscal_year(tmp_path: Path) -> None:
    text = replace_once(
        DEFAULT_TEXT, 'window: {start: "08-01", end: "09-30"}', 'window: {start: "08-01", end: "07-31"}'
    )
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, 'start: "08-01", end: "07-31"')
    assert "stages[4].window.end: 07-31 is before 08-01 in the fiscal year" in str(error)


def test_window_across_new_year_is_valid(rules: CycleRules) -> None:
    assert rules.stage("budgeting").window.dates(2026) == (date(2026, 11, 1), date(2027, 1, 31))


def test_unknown_key_is_reported_on_its_own_line(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "    venue: kencho\n", "    venue: kencho\n    rooom: 講堂\n")
    error = load_error(tmp_path, text)
    assert error.line == line_of(text, "rooom: 講堂")
    assert "meetings[0].rooom: unknown key 'rooom'" in str(error)


def test_missing_key_names_the_mapping(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "    title: 連携課題・ニーズ調査\n", "")
    error = load_error(tmp_path, text)
    assert "stages[0]: missing key 'title'" in str(error)
    assert error.line == line_of(text, "- key: survey")


def test_unquoted_time_is_explained(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, 'time: {start: "13:30", end: "16:30"}', 'time: {start: 13:30, end: "16:30"}')
    error = load_error(tmp_path, text)
    assert "meetings[0].time.start: 810 is not a time 'HH:MM' (quote it" in str(error)
    assert error.line == line_of(text, "start: 13:30")


def test_unknown_lead_time_name(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "before: materials", "before: material")
    error = load_error(tmp_path, text)
    assert "meeting_tasks[2].before: 'material' is not a lead time" in str(error)
    assert error.line == line_of(text, "before: material")


def test_unknown_reference_in_an_anchor(tmp_path: Path) -> None:
    text = replace_once(
        DEFAULT_TEXT, '- {task: "themes:candidates", after: 1}', '- {task: "themes:candidate", after: 1}'
    )
    error = load_error(tmp_path, text)
    assert "meetings[2].not_before[0].task: unknown task 'themes:candidate'" in str(error)
    assert error.line == line_of(text, 'themes:candidate"')


def test_dependency_cycle_is_an_error(tmp_path: Path) -> None:
    # council-1 must come after the notice of secretariat-1, which comes after secretariat-1, which council-1 sets.
    text = replace_once(
        DEFAULT_TEXT,
        "      - {stage: theme_candidates, at: end, after: 1}",
        '      - {task: "notice:secretariat-1"}',
    )
    error = load_error(tmp_path, text)
    assert "dependency cycle" in str(error)
    assert "meeting:council-1" in str(error)
    assert "meeting:secretariat-1" in str(error)


def test_secretariat_lead_time_must_keep_the_meeting_strictly_before(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "secretariat_meeting: 5 ", "secretariat_meeting: 0 ")
    error = load_error(tmp_path, text)
    assert "lead_times.secretariat_meeting: must be at least 1, got 0" in str(error)
    assert error.line == line_of(text, "secretariat_meeting: 0")


def test_duplicate_stage_key(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "- key: theme_candidates", "- key: survey")
    error = load_error(tmp_path, text)
    assert "stages[1].key: stage 'survey' is defined twice" in str(error)


def test_february_29_is_refused(tmp_path: Path) -> None:
    text = replace_once(
        DEFAULT_TEXT, 'window: {start: "02-01", end: "03-31"}', 'window: {start: "02-29", end: "03-31"}'
    )
    assert "02-29 does not exist every year" in str(load_error(tmp_path, text))


def test_unknown_placeholder_in_a_title(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, '"{fiscal_year_label}第1回', '"{year}第1回')
    assert "unknown placeholder {year}" in str(load_error(tmp_path, text))


def test_bad_weekday_and_kind(tmp_path: Path) -> None:
    error = load_error(tmp_path, replace_once(DEFAULT_TEXT, "weekdays: [tue, wed, thu]", "weekdays: [tue, wednesday]"))
    assert "meetings[1].weekdays[1]: 'wednesday' is not a weekday" in str(error)
    error = load_error(tmp_path, replace_once(DEFAULT_TEXT, "kind: roundtable", "kind: party"))
    assert "meetings[3].kind: 'party' is not one of" in str(error)


def test_meeting_task_colliding_with_a_task(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, 'key: "budgeting:status"', 'key: "notice:council-1"')
    assert "task 'notice:council-1' is already defined at tasks[5]" in str(load_error(tmp_path, text))


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    text = replace_once(DEFAULT_TEXT, "timezone: Asia/Tokyo", "timezone: [Asia/Tokyo")
    error = load_error(tmp_path, text)
    assert "YAML syntax error" in str(error)
    assert error.line is not None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_rules(tmp_path / "nope.yaml")


def test_unknown_time_zone(tmp_path: Path) -> None:
    error = load_error(tmp_path, replace_once(DEFAULT_TEXT, "timezone: Asia/Tokyo", "timezone: Asia/Edo"))
    assert "timezone: 'Asia/Edo' is not a known time zone" in str(error)
    assert error.line == line_of(DEFAULT_TEXT, "timezone: Asia/Tokyo")

"""Test helpers for the survey and themes: a small roster, answer files (CSV and filled-in forms), the 2017 answers.
Imported by tests/test_survey*.py and tests/test_themes.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from council.clock import TOKYO
from council.config import get_settings
from council.planning.business_days import BusinessCalendar
from council.resources import data_dir
from council.survey.forms import (
    CSV_HEADERS,
    FIRST_DATA_ROW,
    SECTION_SHEETS,
    FormRespondent,
    build_form_workbook,
    column_index,
)
from council.survey.intake import IntakeSetup
from council.survey.readers import DEFAULT_LIMITS, FileLimits
from council.survey.rules import RULES_FILE, SurveyRules, load_rules
from council.survey.service import open_survey
from council.survey.taxonomy import TAXONOMY_FILE, Taxonomy, load_taxonomy
from models import Council, Cycle, Organization, OrganizationKind, SurveySection
from models.db import session_scope
from models.survey import ReminderSent, SurveyAnswer, SurveyRespondent, SurveySubmission

FY = 2026
OPENED = dt.datetime(2026, 5, 29, 9, 0, tzinfo=TOKYO)
ON_TIME = dt.datetime(2026, 6, 10, 10, 0, tzinfo=TOKYO)
LATE = dt.datetime(2026, 6, 24, 9, 0, tzinfo=TOKYO)  # the windows close 2026-06-23
CALENDAR = BusinessCalendar()
COUNCIL_CODE = "yamagata"
REFERENCE = data_dir("reference")


def taxonomy() -> Taxonomy:
    """The shipped survey categories (reference/survey_categories.yaml)."""
    return load_taxonomy(REFERENCE / TAXONOMY_FILE)


def survey_rules() -> SurveyRules:
    """The shipped survey rules (reference/survey.yaml): windows, reminder steps, thresholds."""
    return load_rules(REFERENCE / RULES_FILE)


SMALL_ROSTER: tuple[tuple[str, OrganizationKind, str, str | None], ...] = (
    ("062014", OrganizationKind.municipality, "山形市", None),
    ("062022", OrganizationKind.municipality, "米沢市", None),
    ("062031", OrganizationKind.municipality, "鶴岡市", None),
    ("dept-kikaku", OrganizationKind.department, "企画振興部", "企画"),
    ("dept-kendo", OrganizationKind.department, "県土整備部", "県土"),
    ("dept-norin", OrganizationKind.department, "農林水産部", "農林"),
    ("ro-shonai", OrganizationKind.regional_office, "庄内総合支庁", "庄内"),
    ("secretariat", OrganizationKind.secretariat, "市町村課", "事務局"),
)


def seed_roster(session: Session) -> None:
    session.add(Council(code=COUNCIL_CODE, name="県・市町村連携推進会議", prefecture="山形県"))
    for order, (code, kind, name, short_name) in enumerate(SMALL_ROSTER):
        session.add(Organization(code=code, kind=kind, name=name, short_name=short_name, sort_order=order))
    session.flush()


def factory(engine: Engine) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: session_scope(engine)


def intake(engine: Engine, *, limits: FileLimits = DEFAULT_LIMITS) -> IntakeSetup:
    """What the CLI would pass the intake, on this test's database and COUNCIL_HOME."""
    settings = get_settings()
    return IntakeSetup(
        session_factory=factory(engine),
        council_code=settings.council_code,
        home=settings.home,
        archive_dir=settings.archive_dir,
        actor="tester",
        taxonomy=taxonomy(),
        limits=limits,
    )


def open_small_survey(engine: Engine, fiscal_year: int = FY) -> None:
    """The small roster, the year's cycle (no stages: the survey takes the configured windows) and its survey."""
    with session_scope(engine) as session:
        seed_roster(session)
        council = session.exec(select(Council)).one()
        assert council.id is not None
        session.add(Cycle(council_id=council.id, fiscal_year=fiscal_year, rules_digest="0" * 64, planned_at=OPENED))
        open_survey(
            session,
            fiscal_year=fiscal_year,
            now=OPENED,
            calendar=CALENDAR,
            rules=survey_rules(),
            council_code=COUNCIL_CODE,
            actor="tester",
        )


@dataclass(frozen=True)
class Row:
    section: SurveySection
    category: str  # code or label
    item: str = "連携したい施策"
    urgency: str = "高"
    envisioned_form: str = ""
    content: str = ""
    issues: str = ""


SECTION_TEXT = {
    SurveySection.policy: "施策の連携",
    SurveySection.operations: "業務の連携",
    SurveySection.exchange: "情報交換・共有／人的交流",
}


def csv_bytes(fiscal_year: int, code: str, rows: Sequence[Row], *, name: str = "") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADERS)
    if not rows:
        writer.writerow([fiscal_year, code, name, "", "", "", "", "", "", ""])
    for row in rows:
        writer.writerow(
            [
                fiscal_year,
                code,
                name,
                SECTION_TEXT[row.section],
                row.item,
                row.category,
                row.urgency,
                row.envisioned_form,
                row.content,
                row.issues,
            ]
        )
    return buffer.getvalue().encode("utf-8")


def form_with_rows(fiscal_year: int, code: str, name: str, rows: Sequence[Row]) -> bytes:
    """The real pre-filled form, filled in as a respondent would and saved by openpyxl."""
    workbook = build_form_workbook(fiscal_year, FormRespondent(code, name), taxonomy())
    next_row = dict.fromkeys(SurveySection, FIRST_DATA_ROW)
    for row in rows:
        sheet = workbook[SECTION_SHEETS[row.section]]
        number = next_row[row.section]
        next_row[row.section] += 1
        values = {
            "item": row.item,
            "category": row.category,
            "urgency": row.urgency,
            "envisioned_form": row.envisioned_form,
            "content": row.content,
            "issues": row.issues,
        }
        for key, value in values.items():
            sheet.cell(row=number, column=column_index(key), value=value or None)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@dataclass(frozen=True)
class Snapshot:
    answers: tuple[tuple[int, int, str, bool], ...]
    respondents: tuple[tuple[int, str, bool], ...]
    submissions: int
    reminders: int


def snapshot(engine: Engine) -> Snapshot:
    """What an import may change, to compare before and after."""
    with Session(engine) as session:
        answers = tuple(
            (a.organization_id, a.submission_id, a.category, a.current)
            for a in session.exec(select(SurveyAnswer).order_by(SurveyAnswer.id)).all()  # type: ignore[arg-type]
        )
        respondents = tuple(
            (r.organization_id, r.status.value, r.answered_at is not None)
            for r in session.exec(select(SurveyRespondent).order_by(SurveyRespondent.id)).all()  # type: ignore[arg-type]
        )
        submissions = session.exec(select(func.count()).select_from(SurveySubmission)).one()
        reminders = session.exec(select(func.count()).select_from(ReminderSent)).one()
    return Snapshot(answers, respondents, submissions, reminders)


# ---------------------------------------------------------------------------------------------------- 2017

# The source's 2017 results: municipal answers per category (その他 = the rest of each section's total) and the
# departmental answers, placed so that exactly the source's categories get a `*`.
MUNICIPAL_2017: dict[str, int] = {
    "youth": 17,
    "shopping": 8,
    "transport": 6,
    "islands": 1,
    "tourism": 16,
    "childcare": 4,
    "hilly-areas": 4,
    "policy-other": 87 - 56,
    "specialist": 11,
    "disaster": 5,
    "wildlife": 4,
    "water": 17,
    "operations-other": 68 - 37,
    "personnel": 10,
    "information": 8,
}
DEPARTMENT_2017: dict[str, int] = {
    "youth": 6,
    "shopping": 5,
    "transport": 4,
    "islands": 2,
    "tourism": 6,
    "childcare": 3,
    "policy-other": 6,  # 32 in 施策の連携
    "disaster": 2,
    "wildlife": 2,
    "water": 2,  # 6 in 業務の連携
    "information": 2,  # 2 in 情報交換等
}


def rows_2017(counts: dict[str, int]) -> Iterator[Row]:
    categories = taxonomy()
    for code, count in counts.items():
        category = categories.by_code(code)
        assert category is not None
        for number in range(count):
            yield Row(category.section, code, item=f"{category.label} {number + 1}", urgency="高中低"[number % 3])


def spread(rows: Iterator[Row], codes: Sequence[str]) -> dict[str, list[Row]]:
    """Deal the rows out to the organisations in turn, as answers are spread over respondents."""
    dealt: dict[str, list[Row]] = {code: [] for code in codes}
    for index, row in enumerate(rows):
        dealt[codes[index % len(codes)]].append(row)
    return dealt

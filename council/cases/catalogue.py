"""The catalogue of advanced cases: validated records (one place for every check, the same for `cases add` and
`cases import`), stored by code, listed, suggested from the year's themes, chosen for a meeting, and taken up
(横展開) by municipalities.

A case: code (C<fy>-<nn> unless given), title, 県内/県外, the organisation that runs it, its theme category (a survey
taxonomy code or label), a summary, its source (出典) and its year. Every text ends up in HTML, file names and mail
bodies: control characters and MIME encoded-word syntax are refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council import labels
from council.audit import record_change
from council.csv_input import read_csv_rows
from council.delivery.message import header_text_problem
from council.documents.text import one_line
from council.errors import InputError, NotFoundError
from council.survey.taxonomy import Taxonomy
from models import AdvancedCase, CaseAdoption, CaseScope, CaseSelection, Meeting, Organization, OrganizationKind, Theme
from models.enums import ThemeStatus

CODE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}$")
LIMITS = {"title": 200, "organization": 100, "summary": 2000, "source": 300}
SCOPES = {**{label: scope for scope, label in labels.CASE_SCOPE.items()}, **{scope.value: scope for scope in CaseScope}}
COLUMNS = ("title", "scope", "organization", "category", "summary", "source", "fiscal_year")
# The year's themes a meeting may introduce cases for: those adopted, or about to be (not deferred or dropped).
LIVE_THEMES = (
    ThemeStatus.candidate,
    ThemeStatus.adopted,
    ThemeStatus.under_study,
    ThemeStatus.reported,
    ThemeStatus.budgeted,
    ThemeStatus.decided,
)


@dataclass(frozen=True)
class CaseRecord:
    code: str | None
    title: str
    scope: CaseScope
    organization: str
    category: str  # taxonomy code
    summary: str
    source: str
    fiscal_year: int


@dataclass(frozen=True)
class CaseView:
    code: str
    title: str
    scope: CaseScope
    organization: str
    category: str
    category_label: str
    summary: str
    source: str
    fiscal_year: int
    adoptions: tuple[tuple[str, int], ...]  # (municipality, fiscal year) of its 横展開


def check_case(values: dict[str, str], taxonomy: Taxonomy, *, where: dict[str, object] | None = None) -> CaseRecord:
    """A case from text values (a CSV row, the options of `cases add`); InputError naming the field (and `where`:
    file and row)."""
    place = where or {}

    def fail(field: str, message: str) -> InputError:
        return InputError(message, field=field, **place)  # type: ignore[arg-type]

    texts: dict[str, str] = {}
    for name, limit in LIMITS.items():
        text = one_line(values.get(name) or "")
        if not text:
            raise fail(name, "is empty")
        if len(text) > limit:
            raise fail(name, f"longer than {limit} characters")
        problem = header_text_problem(text)
        if problem:
            raise fail(name, problem)
        texts[name] = text
    scope = SCOPES.get((values.get("scope") or "").strip())
    if scope is None:
        raise fail("scope", f"{values.get('scope')!r} is not one of 県内/県外")
    category_text = (values.get("category") or "").strip()
    category = taxonomy.by_code(category_text) or next(
        (item for item in taxonomy.categories if item.label == category_text), None
    )
    if category is None:
        raise fail("category", f"{category_text!r} is not a theme category (see reference/survey_categories.yaml)")
    year_text = (values.get("fiscal_year") or "").strip()
    if not year_text.isdigit() or not 2000 <= int(year_text) <= 2100:
        raise fail("fiscal_year", f"{year_text!r} is not a fiscal year (e.g. 2026)")
    code = (values.get("code") or "").strip() or None
    if code is not None and not CODE.match(code):
        raise fail("code", f"{code!r} is not a case code (letters, digits and '-', e.g. C2026-01)")
    return CaseRecord(
        code,
        texts["title"],
        scope,
        texts["organization"],
        category.code,
        texts["summary"],
        texts["source"],
        int(year_text),
    )


def read_cases(path: Path, taxonomy: Taxonomy) -> list[CaseRecord]:
    records = [
        check_case(row, taxonomy, where={"file": str(path), "row": line})
        for line, row in read_csv_rows(path, COLUMNS, ("code",))
    ]
    codes = [record.code for record in records if record.code]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise InputError(f"case code {duplicates[0]!r} is used twice", file=str(path), field="code")
    if not records:
        raise InputError("no cases in the file", file=str(path))
    return records


def _values(record: CaseRecord) -> dict[str, object]:
    return {
        "title": record.title,
        "scope": record.scope,
        "organization": record.organization,
        "category": record.category,
        "summary": record.summary,
        "source": record.source,
        "fiscal_year": record.fiscal_year,
    }


def store_case(
    session: Session, council_id: int, record: CaseRecord, *, now: datetime, actor: str
) -> tuple[AdvancedCase, str]:
    """Add or update a case; returns it and 'added', 'changed' or 'unchanged'. Without a code, a case with the same
    title, organisation and year is the same case; a new one gets the year's next code."""
    query = select(AdvancedCase).where(AdvancedCase.council_id == council_id)
    if record.code is not None:
        existing = session.exec(query.where(AdvancedCase.code == record.code)).first()
    else:
        existing = session.exec(
            query.where(
                AdvancedCase.title == record.title,
                AdvancedCase.organization == record.organization,
                AdvancedCase.fiscal_year == record.fiscal_year,
            )
        ).first()
    values = _values(record)
    if existing is None:
        code = record.code or _next_code(session, council_id, record.fiscal_year)
        case = AdvancedCase(council_id=council_id, code=code, created_at=now, **values)  # type: ignore[arg-type]
        session.add(case)
        session.flush()
        record_change(
            session,
            action="case.added",
            row=case,
            before=None,
            after={"code": code, **values},
            now=now,
            actor=actor,
            key=code,
        )
        return case, "added"
    before = {name: getattr(existing, name) for name in values}
    if before == values:
        return existing, "unchanged"
    for name, value in values.items():
        setattr(existing, name, value)
    session.add(existing)
    record_change(
        session,
        action="case.changed",
        row=existing,
        before=before,
        after=values,
        now=now,
        actor=actor,
        key=existing.code,
    )
    return existing, "changed"


def _next_code(session: Session, council_id: int, fiscal_year: int) -> str:
    prefix = f"C{fiscal_year}-"
    taken = session.exec(
        select(AdvancedCase.code).where(
            AdvancedCase.council_id == council_id, col(AdvancedCase.code).startswith(prefix)
        )
    ).all()
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def get_case(session: Session, council_id: int, code: str) -> AdvancedCase:
    case = session.exec(
        select(AdvancedCase).where(AdvancedCase.council_id == council_id, AdvancedCase.code == code.strip())
    ).first()
    if case is None:
        raise NotFoundError(f"no case {code!r}: see `council cases list`", field="case")
    return case


def case_views(session: Session, cases: Sequence[AdvancedCase], taxonomy: Taxonomy) -> list[CaseView]:
    ids = [case.id for case in cases if case.id is not None]
    adoptions: dict[int, list[tuple[str, int]]] = {}
    for adoption, organization in session.exec(
        select(CaseAdoption, Organization)
        .join(Organization, col(Organization.id) == col(CaseAdoption.organization_id))
        .where(col(CaseAdoption.case_id).in_(ids))
        .order_by(col(CaseAdoption.fiscal_year), col(Organization.sort_order))
    ).all():
        adoptions.setdefault(adoption.case_id, []).append((organization.name, adoption.fiscal_year))
    views = []
    for case in cases:
        category = taxonomy.by_code(case.category)
        views.append(
            CaseView(
                code=case.code,
                title=case.title,
                scope=case.scope,
                organization=case.organization,
                category=case.category,
                category_label=category.label if category else case.category,
                summary=case.summary,
                source=case.source,
                fiscal_year=case.fiscal_year,
                adoptions=tuple(adoptions.get(case.id or 0, ())),
            )
        )
    return views


def list_cases(
    session: Session, council_id: int, *, fiscal_year: int | None = None, category: str | None = None
) -> list[AdvancedCase]:
    query = select(AdvancedCase).where(AdvancedCase.council_id == council_id)
    if fiscal_year is not None:
        query = query.where(AdvancedCase.fiscal_year == fiscal_year)
    if category is not None:
        query = query.where(AdvancedCase.category == category)
    return list(session.exec(query.order_by(col(AdvancedCase.code))).all())


def suggest_cases(session: Session, council_id: int, fiscal_year: int) -> list[AdvancedCase]:
    """The cases in the categories of the year's themes (adopted, or before the 1st meeting about to be): the most
    recent first, 県内 before 県外 within a year."""
    categories = set(
        session.exec(
            select(Theme.category).where(
                Theme.council_id == council_id,
                Theme.current_fiscal_year == fiscal_year,
                col(Theme.status).in_(LIVE_THEMES),
            )
        ).all()
    )
    cases = [case for case in list_cases(session, council_id) if case.category in categories]
    scope_order = {CaseScope.in_prefecture: 0, CaseScope.out_of_prefecture: 1}
    return sorted(cases, key=lambda case: (-case.fiscal_year, scope_order[case.scope], case.code))


def chosen_cases(session: Session, meeting: Meeting) -> list[AdvancedCase]:
    return list(
        session.exec(
            select(AdvancedCase)
            .join(CaseSelection, col(CaseSelection.case_id) == col(AdvancedCase.id))
            .where(CaseSelection.meeting_id == meeting.id)
            .order_by(col(CaseSelection.position))
        ).all()
    )


def choose(session: Session, meeting: Meeting, cases: Sequence[AdvancedCase], *, now: datetime, actor: str) -> bool:
    """The meeting's chosen cases become `cases`, in that order; True when that changed anything."""
    current = session.exec(select(CaseSelection).where(CaseSelection.meeting_id == meeting.id)).all()
    before = [(row.case_id, row.position) for row in sorted(current, key=lambda row: row.position)]
    after = [(case.id or 0, position) for position, case in enumerate(cases, start=1)]
    if before == after:
        return False
    for row in current:
        session.delete(row)
    session.flush()
    for case_id, position in after:
        session.add(CaseSelection(meeting_id=meeting.id or 0, case_id=case_id, position=position))
    session.flush()
    record_change(
        session,
        action="meeting.cases_chosen",
        row=meeting,
        before={"cases": [case_id for case_id, _ in before]},
        after={"cases": [case.code for case in cases]},
        now=now,
        actor=actor,
        key=meeting.key,
    )
    return True


@dataclass(frozen=True)
class YearCases:
    """A year's 先進事例 for `council status`: the cases chosen for its meetings, and the 横展開 recorded in it."""

    chosen: tuple[tuple[str, str, str], ...]  # (meeting key, case code, title)
    adoptions: tuple[tuple[str, str, str], ...]  # (case code, title, municipality)


def year_cases(session: Session, cycle_id: int, council_id: int, fiscal_year: int) -> YearCases:
    chosen = session.exec(
        select(Meeting.key, AdvancedCase.code, AdvancedCase.title)
        .join(CaseSelection, col(CaseSelection.meeting_id) == col(Meeting.id))
        .join(AdvancedCase, col(AdvancedCase.id) == col(CaseSelection.case_id))
        .where(Meeting.cycle_id == cycle_id)
        .order_by(col(Meeting.starts_at), col(CaseSelection.position))
    ).all()
    adoptions = session.exec(
        select(AdvancedCase.code, AdvancedCase.title, Organization.name)
        .join(CaseAdoption, col(CaseAdoption.case_id) == col(AdvancedCase.id))
        .join(Organization, col(Organization.id) == col(CaseAdoption.organization_id))
        .where(AdvancedCase.council_id == council_id, CaseAdoption.fiscal_year == fiscal_year)
        .order_by(col(AdvancedCase.code), col(Organization.sort_order))
    ).all()
    return YearCases(tuple(tuple(row) for row in chosen), tuple(tuple(row) for row in adoptions))  # type: ignore[misc]


def adopt(
    session: Session,
    case: AdvancedCase,
    municipality: Organization,
    fiscal_year: int,
    note: str | None,
    *,
    now: datetime,
    actor: str,
) -> bool:
    """横展開: `municipality` took `case` up in `fiscal_year`; True when recorded now (the same again: False)."""
    if municipality.kind != OrganizationKind.municipality:
        raise InputError(f"{municipality.name} is not a municipality", field="--municipality")
    if fiscal_year < case.fiscal_year:
        raise InputError(
            f"{case.code} is a case of {case.fiscal_year}: it cannot be taken up in {fiscal_year}", field="--fy"
        )
    text = one_line(note) if note else None
    if text is not None and (len(text) > 500 or header_text_problem(text)):
        raise InputError(header_text_problem(text) or "longer than 500 characters", field="--note")
    existing = session.exec(
        select(CaseAdoption).where(CaseAdoption.case_id == case.id, CaseAdoption.organization_id == municipality.id)
    ).first()
    if existing is not None:
        if existing.fiscal_year != fiscal_year:
            raise InputError(f"{municipality.name} took {case.code} up in {existing.fiscal_year} already", field="--fy")
        return False
    row = CaseAdoption(
        case_id=case.id or 0,
        organization_id=municipality.id or 0,
        fiscal_year=fiscal_year,
        note=text,
        recorded_at=now,
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        action="case.adopted",
        row=row,
        before=None,
        after={"case": case.code, "municipality": municipality.code, "fiscal_year": fiscal_year},
        now=now,
        actor=actor,
        key=f"{case.code}/{municipality.code}",
    )
    return True

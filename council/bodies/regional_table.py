"""The regional table (【参考】地域における…の主な連携の取組み, the source's page 5): what each area does in a fiscal
year, 〈新規〉 or 〈充実〉 — imported from a CSV file (area, body, kind, content), stored as the year's rows, and
rendered as a document (md, html, docx, pdf through the same builders as every other).

CSV columns: `area` (code or name: murayama / 村山, nishimurayama / 西村山 …), `kind` (新規 / 充実, or new /
enhanced), `content` (the initiative, one line), and optionally `body` (a regional body's code or name). The file is
the whole table of the year: rows are matched by area and their order within it; rows no longer in the file go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council import labels
from council.audit import record_change
from council.csv_input import read_csv_rows
from council.documents.contexts import DocumentContext, Issue, RegionalInitiativesContext, RegionalLine, RegionalRow
from council.documents.drafting import DocumentPlan
from council.documents.text import one_line
from council.documents.texts import TableTexts
from council.errors import InputError
from council.wareki import fiscal_year_label
from models import Area, InitiativeKind, RegionalBody, RegionalInitiative

COLUMNS = ("area", "kind", "content")
OPTIONAL = ("body",)
SUBJECT = "regional-initiatives"
CONTENT_LIMIT = 1000
KINDS = {
    **{label: kind for kind, label in labels.INITIATIVE_KIND.items()},
    **{kind.value: kind for kind in InitiativeKind},
}


@dataclass(frozen=True)
class TableRow:
    area_id: int
    regional_body_id: int | None
    kind: InitiativeKind
    content: str
    sort_order: int


@dataclass(frozen=True)
class ImportReport:
    fiscal_year: int
    added: int
    changed: int
    removed: int
    unchanged: int

    def summary(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.removed} removed, {self.unchanged} unchanged"


def read_table(path: Path, areas: Sequence[Area], bodies: Sequence[RegionalBody]) -> list[TableRow]:
    """Every row validated (InputError naming the file, row and column), in file order."""
    by_area = {key: area for area in areas for key in (area.code, area.name)}
    by_body = {key: body for body in bodies for key in (body.code, body.name)}
    rows: list[TableRow] = []
    orders: dict[int, int] = defaultdict(int)
    for line, row in read_csv_rows(path, COLUMNS, OPTIONAL):
        area = by_area.get(row["area"])
        if area is None or area.id is None:
            raise InputError(
                f"{row['area']!r} is not an area (e.g. 村山, 西村山, 最上)", file=str(path), row=line, field="area"
            )
        kind = KINDS.get(row["kind"])
        if kind is None:
            raise InputError(f"{row['kind']!r} is not one of 新規/充実", file=str(path), row=line, field="kind")
        content = one_line(row["content"])
        if not content:
            raise InputError("is empty", file=str(path), row=line, field="content")
        if len(content) > CONTENT_LIMIT:
            raise InputError(f"longer than {CONTENT_LIMIT} characters", file=str(path), row=line, field="content")
        body_id = None
        if row.get("body"):
            body = by_body.get(row["body"])
            if body is None:
                raise InputError(f"{row['body']!r} is not a regional body", file=str(path), row=line, field="body")
            if body.area_id != area.id:
                raise InputError(f"{body.name} is not a body of {area.name}", file=str(path), row=line, field="body")
            body_id = body.id
        orders[area.id] += 1
        rows.append(TableRow(area.id, body_id, kind, content, orders[area.id]))
    if not rows:
        raise InputError("no rows: the table of a year needs at least one initiative", file=str(path))
    return rows


def store_table(
    session: Session, council_id: int, fiscal_year: int, rows: Sequence[TableRow], *, now: datetime, actor: str
) -> ImportReport:
    """The year's table becomes `rows` (matched by area and order; the rest removed), audited."""
    existing = {
        (row.area_id, row.sort_order): row
        for row in session.exec(
            select(RegionalInitiative).where(
                RegionalInitiative.council_id == council_id, RegionalInitiative.fiscal_year == fiscal_year
            )
        ).all()
    }
    added = changed = unchanged = removed = 0
    wanted = set()
    for row in rows:
        key = (row.area_id, row.sort_order)
        wanted.add(key)
        values = {"regional_body_id": row.regional_body_id, "kind": row.kind, "content": row.content}
        current = existing.get(key)
        if current is None:
            current = RegionalInitiative(
                council_id=council_id,
                fiscal_year=fiscal_year,
                area_id=row.area_id,
                sort_order=row.sort_order,
                regional_body_id=row.regional_body_id,
                kind=row.kind,
                content=row.content,
                updated_at=now,
            )
            session.add(current)
            session.flush()
            record_change(
                session,
                action="regional_initiative.added",
                row=current,
                before=None,
                after=values,
                now=now,
                actor=actor,
                key=f"{fiscal_year}/{row.area_id}/{row.sort_order}",
            )
            added += 1
            continue
        before = {name: getattr(current, name) for name in values}
        if before == values:
            unchanged += 1
            continue
        for name, value in values.items():
            setattr(current, name, value)
        current.updated_at = now
        session.add(current)
        record_change(
            session,
            action="regional_initiative.changed",
            row=current,
            before=before,
            after=values,
            now=now,
            actor=actor,
            key=f"{fiscal_year}/{row.area_id}/{row.sort_order}",
        )
        changed += 1
    for key, stale in existing.items():
        if key not in wanted:
            record_change(
                session,
                action="regional_initiative.removed",
                row=stale,
                before={"content": stale.content},
                after=None,
                now=now,
                actor=actor,
                key=f"{fiscal_year}/{key[0]}/{key[1]}",
            )
            session.delete(stale)
            removed += 1
    session.flush()
    return ImportReport(fiscal_year, added, changed, removed, unchanged)


# ------------------------------------------------------------------------------------------------- the document


@dataclass(frozen=True)
class RegionalFacts:
    fiscal_year: int
    rows: tuple[tuple[str, tuple[tuple[str, InitiativeKind], ...]], ...]  # (area name, ((content, kind), …))
    compiled_by: str  # 企画振興部 市町村課


def regional_facts(session: Session, council_id: int, fiscal_year: int, *, compiled_by: str) -> RegionalFacts:
    """The year's table in area order (the areas as reference/regional_bodies.yaml lists them)."""
    areas = session.exec(select(Area).where(Area.council_id == council_id).order_by(col(Area.sort_order))).all()
    lines = session.exec(
        select(RegionalInitiative)
        .where(RegionalInitiative.council_id == council_id, RegionalInitiative.fiscal_year == fiscal_year)
        .order_by(col(RegionalInitiative.sort_order))
    ).all()
    if not lines:
        raise InputError(
            f"no regional table for {fiscal_year_label(fiscal_year)}: import it with "
            f"`council bodies table import FILE --fy {fiscal_year}`"
        )
    by_area: dict[int, list[tuple[str, InitiativeKind]]] = defaultdict(list)
    for line in lines:
        by_area[line.area_id].append((one_line(line.content), line.kind))
    rows = tuple((one_line(area.name), tuple(by_area[area.id or 0])) for area in areas if by_area.get(area.id or 0))
    return RegionalFacts(fiscal_year, rows, one_line(compiled_by))


def regional_context(facts: RegionalFacts, texts: TableTexts, issue: Issue) -> RegionalInitiativesContext:
    """The source's 【参考】 table: 地域 | 取組内容, each line ○ … 〈新規〉/〈充実〉."""
    year = fiscal_year_label(facts.fiscal_year)
    title = texts.title.format(year=year)
    return RegionalInitiativesContext(
        issue=issue,
        title=title,
        label=texts.label,
        area_column=texts.columns[0],
        content_column=texts.columns[1],
        rows=tuple(
            RegionalRow(
                area=area,
                lines=tuple(RegionalLine(text, f"〈{labels.INITIATIVE_KIND[kind]}〉") for text, kind in lines),
            )
            for area, lines in facts.rows
        ),
        footer=f"【{facts.compiled_by}】" if facts.compiled_by else None,
        file_stem=title,
    )


def regional_document(facts: RegionalFacts, texts: TableTexts, *, planned_issue_on: date | None) -> DocumentPlan:
    def make(issue: Issue) -> DocumentContext:
        return regional_context(facts, texts, issue)

    return DocumentPlan(SUBJECT, make, planned_issue_on)

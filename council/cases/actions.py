"""The 先進事例 use cases: add, import and list cases; suggest and choose a meeting's cases (its agenda's 先進事例の紹介
and its handout list exactly these); record 横展開; draft, issue and send the handout. The CLI and flows call these."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from council.cases.catalogue import (
    CaseView,
    adopt,
    case_views,
    check_case,
    choose,
    get_case,
    list_cases,
    read_cases,
    store_case,
    suggest_cases,
)
from council.cases.handout import handout_document, handout_facts
from council.context import Context
from council.delivery.actions import DeliverySummary, deliver
from council.documents.files import FORMATS, normalise_formats
from council.documents.lifecycle import RenderedDocument, draft, issue
from council.documents.stationery import stationery_for
from council.errors import InputError
from council.keys import AGENDA_PREFIX, meeting_task_key
from council.planning.cycles import council_and_cycle, find_meeting, find_task
from council.reference import get_council, organizations_named
from council.survey.actions import taxonomy
from models import Cycle, DocumentKind, Meeting
from models.enums import OPEN_MEETING_STATUSES

FIRST_MEETING = "council-1"  # the meeting that introduces the cases (reference/documents.yaml: cases: true)


@dataclass(frozen=True)
class ImportReport:
    added: int
    changed: int
    unchanged: int

    def summary(self) -> str:
        return f"{self.added} added, {self.changed} changed, {self.unchanged} unchanged"


def _council_id(ctx: Context, session: Session) -> int:
    council = get_council(session, ctx.settings.council_code)
    assert council.id is not None
    return council.id


def add_case(ctx: Context, values: dict[str, str]) -> tuple[CaseView, str]:
    """One case from the options of `cases add` (checked like an imported row); 'added', 'changed' or 'unchanged'."""
    record = check_case(values, taxonomy(ctx))
    with ctx.transaction() as session:
        case, outcome = store_case(session, _council_id(ctx, session), record, now=ctx.clock.now, actor=ctx.actor)
        return case_views(session, [case], taxonomy(ctx))[0], outcome


def import_cases(ctx: Context, path: Path) -> ImportReport:
    """Every case of a CSV file, all or nothing (InputError naming the file, row and column)."""
    records = read_cases(path, taxonomy(ctx))
    counts = {"added": 0, "changed": 0, "unchanged": 0}
    with ctx.transaction() as session:
        council_id = _council_id(ctx, session)
        for record in records:
            counts[store_case(session, council_id, record, now=ctx.clock.now, actor=ctx.actor)[1]] += 1
    return ImportReport(counts["added"], counts["changed"], counts["unchanged"])


def cases(ctx: Context, *, fiscal_year: int | None = None, category: str | None = None) -> list[CaseView]:
    with ctx.transaction() as session:
        found = list_cases(session, _council_id(ctx, session), fiscal_year=fiscal_year, category=category)
        return case_views(session, found, taxonomy(ctx))


def _introducing(ctx: Context, session: Session, fiscal_year: int, meeting_key: str) -> tuple[Cycle, Meeting]:
    """A meeting whose agenda introduces cases (an item with `cases: true` in reference/documents.yaml)."""
    cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
    meeting = find_meeting(session, cycle, meeting_key)
    spec = stationery_for(ctx.settings).texts.meeting_spec(meeting.key, meeting.kind)
    if not any(item.cases for item in spec.items):
        raise InputError(f"{meeting.title} introduces no 先進事例 (its agenda has no such item)", field="--meeting")
    return cycle, meeting


def suggest(ctx: Context, fiscal_year: int, meeting_key: str = FIRST_MEETING) -> list[CaseView]:
    """The cases in the categories of the year's themes, for the meeting that introduces them."""
    with ctx.transaction() as session:
        cycle, _ = _introducing(ctx, session, fiscal_year, meeting_key)
        return case_views(session, suggest_cases(session, cycle.council_id, fiscal_year), taxonomy(ctx))


def choose_cases(
    ctx: Context, fiscal_year: int, codes: Sequence[str], *, meeting_key: str = FIRST_MEETING, suggested: bool = False
) -> tuple[list[CaseView], bool]:
    """The meeting's cases become `codes` (or the suggestion), in that order; returns them and whether that changed
    anything. A meeting held or cancelled keeps what it had."""
    if bool(codes) == suggested:
        raise InputError("name the cases (codes), or choose --suggested", field="CODES")
    with ctx.transaction() as session:
        cycle, meeting = _introducing(ctx, session, fiscal_year, meeting_key)
        if meeting.status not in OPEN_MEETING_STATUSES:
            raise InputError(f"{meeting.title} is {meeting.status.value}: its cases are a record", field="--meeting")
        chosen = (
            suggest_cases(session, cycle.council_id, fiscal_year)
            if suggested
            else [get_case(session, cycle.council_id, code) for code in dict.fromkeys(codes)]
        )
        if not chosen:
            raise InputError(
                f"no case suggests itself for the themes of fiscal year {fiscal_year}", field="--suggested"
            )
        changed = choose(session, meeting, chosen, now=ctx.clock.now, actor=ctx.actor)
        return case_views(session, chosen, taxonomy(ctx)), changed


def adopt_case(ctx: Context, code: str, municipality: str, fiscal_year: int, note: str | None = None) -> bool:
    """横展開: a municipality took a case up in a fiscal year (the same again changes nothing)."""
    with ctx.transaction() as session:
        case = get_case(session, _council_id(ctx, session), code)
        [organization] = organizations_named(session, [municipality], "--municipality")
        return adopt(session, case, organization, fiscal_year, note, now=ctx.clock.now, actor=ctx.actor)


@dataclass(frozen=True)
class HandoutReport:
    rendered: RenderedDocument
    sent: int


def handout_step(
    ctx: Context, fiscal_year: int, meeting_key: str, formats: tuple[str, ...], issue_now: bool
) -> RenderedDocument:
    """Step: the handout drafted from the cases chosen now (planned with the meeting's 次第), or issued today."""
    stationery = stationery_for(ctx.settings)
    with ctx.transaction() as session:
        cycle, meeting = _introducing(ctx, session, fiscal_year, meeting_key)
        facts = handout_facts(session, cycle, meeting, taxonomy(ctx))
        plan = handout_document(facts, stationery.texts.tables[DocumentKind.case_handout.value], meeting.key)
        agenda = find_task(session, cycle, meeting_task_key(AGENDA_PREFIX, meeting.key))
        rendered = draft(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            planned_issue_on=agenda.due_date if agenda is not None else None,
            formats=("md",) if issue_now else formats,
            now=ctx.clock.now,
        )
        if issue_now and not rendered.issued:
            rendered = issue(
                session,
                stationery,
                rendered.document,
                council_id=cycle.council_id,
                on=ctx.clock.today,
                now=ctx.clock.now,
                actor=ctx.actor,
                formats=formats,
            )
        return rendered


def case_handout(
    ctx: Context,
    fiscal_year: int,
    *,
    meeting_key: str = FIRST_MEETING,
    formats: Sequence[str] = FORMATS,
    issue_now: bool = False,
) -> HandoutReport:
    """The meeting's 先進事例 handout: a draft (案) of the cases chosen now; with `issue_now`, issued today and sent
    to the meeting's members with its 次第 (each once)."""
    wanted = normalise_formats(formats)
    rendered: RenderedDocument = ctx.step(
        "draft-case-handout", handout_step, ctx, fiscal_year, meeting_key, wanted, issue_now
    )
    sent = 0
    if issue_now:
        assert rendered.document.id is not None
        delivery: DeliverySummary = ctx.step("deliver-document", deliver, ctx, rendered.document.id)
        sent = delivery.sent
    return HandoutReport(rendered, sent)

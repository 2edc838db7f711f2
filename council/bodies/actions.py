"""The regional promotion's use cases: plan the bodies' meetings of a year, list the bodies with their members and
meetings, import a year's regional table and render (or issue) it. Called the same way by the CLI and by flows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from council.bodies.planning import plan_regional_meetings
from council.bodies.regional_table import ImportReport, read_table, regional_document, regional_facts, store_table
from council.bodies.rules import bodies_rules, bodies_rules_path
from council.clock import TOKYO
from council.context import Context
from council.documents.files import FORMATS, normalise_formats
from council.documents.lifecycle import RenderedDocument, draft, issue
from council.documents.stationery import stationery_for
from council.errors import InputError
from council.feeds.actions import publish_feeds_step
from council.planning.cycles import council_and_cycle, find_cycle
from council.planning.rules import cycle_rules
from council.reference import get_council
from models import Area, Contact, DocumentKind, Meeting, Organization, RegionalBody, RegionalBodyMember


@dataclass(frozen=True)
class BodyPlanSummary:
    fiscal_year: int
    added: tuple[str, ...]
    changed: tuple[str, ...]
    cancelled: tuple[str, ...]
    unchanged: int
    explanations: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.cancelled)} cancelled, "
            f"{self.unchanged} unchanged"
        )


def plan_bodies_step(ctx: Context, fiscal_year: int) -> BodyPlanSummary:
    """Step: the regional bodies' meetings of the year planned from calendar/bodies.yaml and stored."""
    rules = cycle_rules(ctx.settings.cycle_file)
    body_rules = bodies_rules(bodies_rules_path(ctx.settings.cycle_file))
    with ctx.transaction() as session:
        cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
        plan = plan_regional_meetings(
            session,
            cycle,
            rules=body_rules,
            cycle_rules=rules,
            now=ctx.clock.now,
            actor=ctx.actor,
            flow_run_id=ctx.flow_run_id,
        )
    report = plan.report
    return BodyPlanSummary(
        fiscal_year,
        tuple(report.added),
        tuple(report.changed),
        tuple(report.cancelled),
        report.unchanged,
        plan.explanations,
    )


def plan_body_meetings(ctx: Context, fiscal_year: int) -> BodyPlanSummary:
    """Plan the year's regular meetings of every regional body (notices, agendas and minutes then go out through the
    tick like the council's), and publish the feeds."""
    summary: BodyPlanSummary = ctx.step("plan-body-meetings", plan_bodies_step, ctx, fiscal_year)
    if summary.added or summary.changed or summary.cancelled:
        ctx.step("publish-feeds", publish_feeds_step, ctx)
    return summary


@dataclass(frozen=True)
class BodyView:
    code: str
    name: str
    area: str  # 西村山
    region: str  # 村山 (the area's, or the area it lies in)
    convener: str
    composition: str | None
    note: str | None
    active: bool
    members: tuple[str, ...]  # contact titles
    meetings: tuple[tuple[str, str, str], ...]  # (key, ISO start, status) of the fiscal year asked for


def list_bodies(ctx: Context, *, fiscal_year: int | None = None) -> list[BodyView]:
    """Every regional body with its area, members and (for a planned year) its meetings."""
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        areas = {area.id: area for area in session.exec(select(Area).where(Area.council_id == council.id)).all()}
        cycle = find_cycle(session, council.id, fiscal_year) if fiscal_year is not None else None
        views = []
        for body in session.exec(
            select(RegionalBody).where(RegionalBody.council_id == council.id).order_by(col(RegionalBody.sort_order))
        ).all():
            area = areas[body.area_id]
            region = areas.get(area.parent_id, area)
            convener = session.get(Organization, body.convener_id)
            members = session.exec(
                select(Contact.title, Contact.role, Organization.name)
                .join(RegionalBodyMember, col(RegionalBodyMember.contact_id) == col(Contact.id))
                .join(Organization, col(Organization.id) == col(Contact.organization_id))
                .where(RegionalBodyMember.regional_body_id == body.id)
                .order_by(col(Organization.sort_order))
            ).all()
            meetings = (
                session.exec(
                    select(Meeting)
                    .where(Meeting.cycle_id == cycle.id, Meeting.regional_body_id == body.id)
                    .order_by(col(Meeting.starts_at))
                ).all()
                if cycle is not None
                else []
            )
            views.append(
                BodyView(
                    code=body.code,
                    name=body.name,
                    area=area.name,
                    region=region.name,
                    convener=convener.name if convener else "",
                    composition=body.composition,
                    note=body.note,
                    active=body.active,
                    members=tuple(title or f"{name}{role}" for title, role, name in members),
                    meetings=tuple(
                        (m.key, m.starts_at.astimezone(TOKYO).isoformat(), m.status.value) for m in meetings
                    ),
                )
            )
    return views


# ------------------------------------------------------------------------------------------------- the regional table


def import_regional_table(ctx: Context, path: Path, fiscal_year: int) -> ImportReport:
    """The year's regional table from a CSV file (area, kind, content, body), validated whole: one transaction."""
    with ctx.transaction() as session:
        council = get_council(session, ctx.settings.council_code)
        assert council.id is not None
        areas = session.exec(select(Area).where(Area.council_id == council.id)).all()
        bodies = session.exec(select(RegionalBody).where(RegionalBody.council_id == council.id)).all()
        if not areas:
            raise InputError("no areas on record: add reference/regional_bodies.yaml and run `council init`")
        rows = read_table(path, areas, bodies)
        return store_table(session, council.id, fiscal_year, rows, now=ctx.clock.now, actor=ctx.actor)


def regional_table_document(
    ctx: Context, fiscal_year: int, *, formats: Sequence[str] = FORMATS, issue_now: bool = False
) -> RenderedDocument:
    """The regional table of a planned year as a document: drafted (案) from the year's rows, or — with `issue_now`
    — issued today (a business day); an issued version is a record and is shown as it is."""
    stationery = stationery_for(ctx.settings)
    wanted = normalise_formats(formats)
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        assert council.id is not None
        office = stationery.office
        facts = regional_facts(session, council.id, fiscal_year, compiled_by=f"{office.department} {office.section}")
        plan = regional_document(
            facts,
            stationery.texts.tables[DocumentKind.regional_initiatives.value],
            planned_issue_on=stationery.calendar.next_business_day(ctx.clock.today),
        )
        rendered = draft(
            session,
            stationery,
            cycle=cycle,
            subject=plan.subject,
            make=plan.make,
            planned_issue_on=plan.planned_issue_on,
            formats=("md",) if issue_now else wanted,
            now=ctx.clock.now,
        )
        if issue_now and not rendered.issued:
            rendered = issue(
                session,
                stationery,
                rendered.document,
                council_id=council.id,
                on=ctx.clock.today,
                now=ctx.clock.now,
                actor=ctx.actor,
                formats=wanted,
            )
        return rendered

"""plan-year and publish-feeds: the year's plan into the database, and every calendar feed rebuilt from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from prefect import flow, task

from council.clock import TOKYO, now_utc
from council.config import get_settings
from council.documents.service import render_annual_schedule
from council.feeds import publish_feeds
from council.plan_store import plan_and_store
from council.wareki import fiscal_year_label, fiscal_year_of, wareki_date
from flows.common import (
    TASK_OPTIONS,
    artifact_key,
    cycle_rules,
    flow_actor,
    flow_run_id,
    markdown_table,
    publish_markdown,
    run_clock,
)
from models.db import session_scope


@dataclass(frozen=True)
class PlanYearReport:
    fiscal_year: int
    added: int
    changed: int
    unchanged: int
    schedule_document_id: int | None


@dataclass(frozen=True)
class FeedsReport:
    feeds: int
    changed: tuple[str, ...]


@task(name="publish-feeds", **TASK_OPTIONS)
def publish_feeds_task(as_of: date | None = None) -> FeedsReport:
    """Rebuild every feed (stored snapshots and the static files under COUNCIL_HOME/feeds)."""
    clock = run_clock(as_of)
    with session_scope() as session:
        report = publish_feeds(session, today=clock.today, now=clock.now, wall_clock=now_utc())
    return FeedsReport(feeds=len(report.feeds), changed=report.changed)


@flow(name="publish-feeds")
def publish_feeds_flow(as_of: date | None = None) -> FeedsReport:
    """Rebuild every calendar feed from the database."""
    return publish_feeds_task(as_of)


@task(name="store-plan", **TASK_OPTIONS)
def store_plan_task(fiscal_year: int, as_of: date | None) -> PlanYearReport:
    """Plan the year with the stored pins and write it (one transaction), with its 年間スケジュール."""
    clock = run_clock(as_of)
    settings = get_settings()
    with session_scope() as session:
        report = plan_and_store(
            session,
            fiscal_year=fiscal_year,
            rules=cycle_rules(),
            now=clock.now,
            actor=flow_actor(),
            council_code=settings.council_code,
            flow_run_id=flow_run_id(),
        )
        schedule = render_annual_schedule(session, fiscal_year=fiscal_year, now=clock.now)
        plan = report.plan
        rows = [("期間", stage.title, f"{wareki_date(stage.start)}〜{wareki_date(stage.end)}") for stage in plan.stages]
        rows += [
            ("会議", meeting.title, f"{wareki_date(meeting.day)} {meeting.start.astimezone(TOKYO):%H:%M}")
            for meeting in plan.meetings
        ]
        rows += [("期限", planned.title, wareki_date(planned.due)) for planned in plan.tasks]
    publish_markdown(
        artifact_key("plan", fiscal_year),
        f"# {fiscal_year_label(fiscal_year)} 年間計画\n\n"
        f"追加 {report.added}件・変更 {report.changed}件・変更なし {report.unchanged}件\n\n"
        + markdown_table(("種別", "項目", "日付"), rows),
        description=f"{fiscal_year_label(fiscal_year)}の年間計画",
    )
    return PlanYearReport(fiscal_year, report.added, report.changed, report.unchanged, schedule.document.id)


@flow(name="plan-year")
def plan_year_flow(fiscal_year: int | None = None, as_of: date | None = None, publish: bool = True) -> PlanYearReport:
    """Plan and store a fiscal year (default: the one after as_of's, as the yearly February run does), render its
    年間スケジュール, and publish the feeds."""
    clock = run_clock(as_of)
    year = fiscal_year if fiscal_year is not None else fiscal_year_of(clock.today) + 1
    report = store_plan_task(year, clock.today)
    if publish:
        publish_feeds_task(clock.today)
    return report

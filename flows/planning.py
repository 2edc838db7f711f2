"""plan-year, pin-meeting and publish-feeds: the year's plan into the database, its annual schedule, and every
calendar feed rebuilt from it."""

from __future__ import annotations

from datetime import date, time

from prefect import flow

from council.context import Context
from council.feeds.actions import FeedsReport, publish_feeds_step
from council.planning.actions import PlanSummary, pin_meeting_action, plan_year
from council.wareki import fiscal_year_label, fiscal_year_of
from flows.common import artifact_key, flow_context, markdown_table, publish_markdown


def publish_feeds_task(ctx: Context) -> FeedsReport:
    """Rebuild every feed (stored snapshots and the static files under COUNCIL_HOME/feeds)."""
    report: FeedsReport = ctx.step("publish-feeds", publish_feeds_step, ctx)
    return report


@flow(name="publish-feeds")
def publish_feeds_flow(as_of: date | None = None) -> FeedsReport:
    """Rebuild every calendar feed from the database."""
    return publish_feeds_task(flow_context(as_of))


@flow(name="plan-year")
def plan_year_flow(fiscal_year: int | None = None, as_of: date | None = None, publish: bool = True) -> PlanSummary:
    """Plan and store a fiscal year (default: the one after as_of's, as the yearly February run does), draft its
    年間スケジュール (the tick issues it on the next business day), and publish the feeds."""
    ctx = flow_context(as_of)
    year = fiscal_year if fiscal_year is not None else fiscal_year_of(ctx.clock.today) + 1
    report = plan_year(ctx, year, publish=publish)
    publish_markdown(
        artifact_key("plan", year),
        f"# {fiscal_year_label(year)} 年間計画\n\n{report.summary()}\n\n"
        + markdown_table(("変更された項目",), [(key,) for key in report.changed_keys]),
        description=f"{fiscal_year_label(year)}の年間計画",
    )
    return report


@flow(name="pin-meeting")
def pin_meeting_flow(
    fiscal_year: int, meeting_key: str, day: date, start: time | None = None, as_of: date | None = None
) -> PlanSummary:
    """Fix a meeting's date by hand; what depends on it is re-planned, the schedule's next edition drafted, the
    feeds published."""
    return pin_meeting_action(flow_context(as_of), fiscal_year, meeting_key, day=day, start=start)

"""Planning a year's meetings of the regional bodies from calendar/bodies.yaml, with the council's planner and
business days; stored by council.bodies.store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from council.bodies.rules import BodiesRules, SeriesOf, meeting_rules, planner_rules
from council.bodies.store import BodyPlanReport, Owner, fixed_days, owned_meetings, store_body_plan
from council.errors import InputError, PlanningError
from council.planning.planner import YearPlan, plan_year
from council.planning.rules import CycleRules, MeetingRule
from models import Area, Cycle, MeetingKind, RegionalBody


@dataclass(frozen=True)
class BodyPlan:
    report: BodyPlanReport
    explanations: tuple[tuple[str, str], ...]  # 'meeting:<key>' → why that day


def regional_meeting_rules(
    rules: BodiesRules,
    cycle_rules: CycleRules,
    fiscal_year: int,
    bodies: Sequence[tuple[RegionalBody, Area, Area | None]],
) -> list[tuple[RegionalBody, tuple[MeetingRule, ...]]]:
    """Each active body's meetings of the year (its own series, else the default), at its area's venue."""
    known = {body.code for body, _, _ in bodies}
    for code in rules.regional_bodies:
        if code not in known:
            raise InputError(
                f"regional_bodies.bodies.{code}: no such body in reference/regional_bodies.yaml (run `council init`)",
                file=str(rules.source),
            )
    cycle_keys = {meeting.key for meeting in cycle_rules.meetings}
    planned = []
    for body, area, parent in bodies:
        if not body.active:
            continue
        series = rules.series_for_body(body.code)
        owner = SeriesOf(
            key_prefix=body.code,
            kind=MeetingKind.regional_meeting,
            title_values={"body": body.name},
            venue=rules.venue_label(series.venue, area.code, *((parent.code,) if parent is not None else ())),
        )
        meetings = meeting_rules(series, owner, fiscal_year)
        clash = next((m.key for m in meetings if m.key in cycle_keys), None)
        if clash is not None:
            raise InputError(f"body {body.code!r}: its meeting key {clash!r} is a meeting of {cycle_rules.source}")
        planned.append((body, meetings))
    return planned


def check_rooms(plan: YearPlan, rules: BodiesRules) -> None:
    """Two meetings of a plan in one room at overlapping times are a mistake in the rules, refused before anything is
    stored."""
    meetings = [meeting for meeting in plan.meetings if meeting.venue]
    for index, first in enumerate(meetings):
        for second in meetings[index + 1 :]:
            if first.venue == second.venue and first.start < second.end and second.start < first.end:
                raise PlanningError(
                    f"FY{plan.fiscal_year}: meetings {first.key} and {second.key} would be held in {first.venue} at "
                    f"the same time ({first.start:%Y-%m-%d %H:%M}): give one its own weekdays, time or meetings",
                    file=str(rules.source),
                )


def plan_regional_meetings(
    session: Session,
    cycle: Cycle,
    *,
    rules: BodiesRules,
    cycle_rules: CycleRules,
    now: datetime,
    actor: str,
    flow_run_id: str | None = None,
) -> BodyPlan:
    """Plan and store the year's meetings of every regional body of the council (in the caller's transaction)."""
    rows = session.exec(
        select(RegionalBody, Area)
        .join(Area, col(Area.id) == col(RegionalBody.area_id))
        .where(RegionalBody.council_id == cycle.council_id)
        .order_by(col(RegionalBody.sort_order), col(RegionalBody.code))
    ).all()
    if not rows:
        raise InputError("no regional bodies on record: add reference/regional_bodies.yaml and run `council init`")
    areas = {area.id: area for area in session.exec(select(Area).where(Area.council_id == cycle.council_id)).all()}
    bodies = [(body, area, areas.get(area.parent_id) if area.parent_id else None) for body, area in rows]
    planned = regional_meeting_rules(rules, cycle_rules, cycle.fiscal_year, bodies)
    owners = {
        body.code: Owner(regional_body_id=body.id, working_team_id=None, task_owner_id=body.convener_id)
        for body, _, _ in bodies
    }
    by_key = {meeting.key: owners[body.code] for body, meetings in planned for meeting in meetings}
    all_rules = [meeting for _, meetings in planned for meeting in meetings]
    scope = list(owners.values())
    pins = {key: pin for key, pin in fixed_days(owned_meetings(session, cycle, scope)).items() if key in by_key}
    plan = plan_year(
        planner_rules(cycle_rules, rules, all_rules), cycle.fiscal_year, cycle_rules.business_calendar(), pins
    )
    check_rooms(plan, rules)
    report = store_body_plan(session, cycle, plan, by_key, scope, now=now, actor=actor, flow_run_id=flow_run_id)
    explanations = tuple((key, why) for key, why in plan.explanations().items() if key.startswith("meeting:"))
    return BodyPlan(report, explanations)

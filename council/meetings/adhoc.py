"""A body's meeting held when needed (その他必要に応じて開催): `council meeting add`. The council, the 幹事会, a
regional body or a working team may meet on any business day of the fiscal year after today; the meeting gets its
notice, agenda and minutes tasks (by calendar/bodies.yaml's lead times, or at once when it is sooner), so the tick
prepares and records it like every other, and it shows in its members' feeds.

Validated like a pin — a closed day, a day outside the fiscal year, a day already past, a bad time are refused, with
nothing written — and idempotent: adding the same meeting again changes nothing; another meeting under a key already
taken is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from council import labels
from council.audit import record_change
from council.bodies.rules import BodiesRules, bodies_rules, bodies_rules_path
from council.clock import TOKYO
from council.context import Context
from council.delivery.message import header_text_problem
from council.documents.text import one_line
from council.errors import InputError
from council.feeds.actions import publish_feeds_step
from council.planning.cycles import council_and_cycle
from council.planning.rules import cycle_rules
from council.planning.store import find_secretariat
from council.wareki import fiscal_year_bounds, wareki_date
from models import (
    Area,
    Body,
    Council,
    Cycle,
    Meeting,
    MeetingKind,
    MeetingOrigin,
    RegionalBody,
    Task,
    TaskOrigin,
    TaskStatus,
    Theme,
    WorkingTeam,
)

KEY = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
KEY_LIMIT = 40
TEXT_LIMIT = 200
COUNCIL_BODIES = {"council": Body.council, "secretariat": Body.secretariat_meeting, "幹事会": Body.secretariat_meeting}
KIND_OF_BODY = {Body.council: MeetingKind.council_meeting, Body.secretariat_meeting: MeetingKind.secretariat_meeting}


@dataclass(frozen=True)
class Convener:
    """Whose meeting it is: its kind, its body or team, the prefix of its key, its name, its venue and who owes its
    tasks."""

    kind: MeetingKind
    regional_body_id: int | None
    working_team_id: int | None
    prefix: str
    name: str
    venue_keys: tuple[str, ...]
    owner_id: int | None


@dataclass(frozen=True)
class AddedMeeting:
    fiscal_year: int
    key: str
    title: str
    starts_at: datetime
    added: bool  # False: it was there already
    tasks: tuple[str, ...]


def _convener(session: Session, council: Council, cycle: Cycle, body: str, rules: BodiesRules) -> Convener:
    """The body named by `body`: council, secretariat (幹事会), a regional body's code or name, a team's code, or the
    theme code of a team."""
    wanted = body.strip()
    secretariat = find_secretariat(session)
    secretariat_id = secretariat.id if secretariat is not None else None
    if wanted in COUNCIL_BODIES:
        council_body = COUNCIL_BODIES[wanted]
        name = council.name if council_body is Body.council else labels.BODY[council_body]
        prefix = "council" if council_body is Body.council else "secretariat"
        return Convener(KIND_OF_BODY[council_body], None, None, prefix, name, (rules.ad_hoc.venue,), secretariat_id)
    regional = session.exec(
        select(RegionalBody).where(
            RegionalBody.council_id == council.id,
            (col(RegionalBody.code) == wanted) | (col(RegionalBody.name) == wanted),
        )
    ).first()
    if regional is not None:
        if not regional.active:
            raise InputError(f"{regional.name} is no longer a regional body", field="--body")
        area = session.get(Area, regional.area_id)
        parent = session.get(Area, area.parent_id) if area is not None and area.parent_id else None
        venues = (*(a.code for a in (area, parent) if a is not None), rules.ad_hoc.venue)
        return Convener(
            MeetingKind.regional_meeting, regional.id, None, regional.code, regional.name, venues, regional.convener_id
        )
    team = session.exec(select(WorkingTeam).where(WorkingTeam.cycle_id == cycle.id, WorkingTeam.code == wanted)).first()
    if team is None:
        team = session.exec(
            select(WorkingTeam)
            .join(Theme, col(Theme.id) == col(WorkingTeam.theme_id))
            .where(WorkingTeam.cycle_id == cycle.id, Theme.code == wanted)
        ).first()
    if team is not None:
        return Convener(
            MeetingKind.team_meeting, None, team.id, team.code, team.name, (rules.ad_hoc.venue,), secretariat_id
        )
    raise InputError(
        f"{wanted!r} is not a body: council, secretariat, a regional body (`council bodies list`) or a working team "
        f"of fiscal year {cycle.fiscal_year} (`council teams list`)",
        field="--body",
    )


def _text(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    text = one_line(value)
    if not text:
        raise InputError("is empty", field=option)
    if len(text) > TEXT_LIMIT:
        raise InputError(f"longer than {TEXT_LIMIT} characters", field=option)
    problem = header_text_problem(text)
    if problem:
        raise InputError(problem, field=option)
    return text


def add_step(
    ctx: Context,
    fiscal_year: int,
    body: str,
    day: date,
    start: time,
    end: time | None,
    title: str | None,
    venue: str | None,
    key: str | None,
) -> AddedMeeting:
    """Step: the meeting and its document tasks, validated first (one transaction)."""
    rules = bodies_rules(bodies_rules_path(ctx.settings.cycle_file))
    calendar = cycle_rules(ctx.settings.cycle_file).business_calendar()
    first, last = fiscal_year_bounds(fiscal_year)
    if not first <= day <= last:
        raise InputError(f"{day.isoformat()} is outside fiscal year {fiscal_year} ({first}..{last})", field="--date")
    closed = calendar.closure_reason(day)
    if closed is not None:
        raise InputError(f"{wareki_date(day)} is a closed day ({closed})", field="--date")
    if day <= ctx.clock.today:
        raise InputError(f"{wareki_date(day)} is not after today: a meeting is added before it is held", field="--date")
    starts_at = datetime.combine(day, start, tzinfo=TOKYO)
    ends_at = (
        datetime.combine(day, end, tzinfo=TOKYO) if end is not None else starts_at + timedelta(hours=rules.ad_hoc.hours)
    )
    if ends_at <= starts_at or ends_at.date() != day:
        raise InputError(f"the meeting must end after {start:%H:%M} on the same day", field="--end")
    given_title, given_venue = _text(title, "--title"), _text(venue, "--venue")
    if key is not None and not KEY.match(key):
        raise InputError(f"{key!r} is not a meeting key ({KEY.pattern})", field="--key")
    with ctx.transaction() as session:
        council, cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        convener = _convener(session, council, cycle, body, rules)
        meeting_key = key or _default_key(convener.prefix, day)
        values: dict[str, Any] = {
            "kind": convener.kind,
            "title": given_title or rules.ad_hoc.title.format(body=one_line(convener.name)),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "venue": _venue(rules, given_venue, convener),
            "regional_body_id": convener.regional_body_id,
            "working_team_id": convener.working_team_id,
        }
        existing = session.exec(select(Meeting).where(Meeting.cycle_id == cycle.id, Meeting.key == meeting_key)).first()
        if existing is not None:
            same = existing.origin == MeetingOrigin.manual and all(
                getattr(existing, name) == value for name, value in values.items()
            )
            if not same:
                raise InputError(
                    f"meeting {meeting_key!r} already exists ({existing.title}, "
                    f"{wareki_date(existing.starts_at.astimezone(TOKYO).date())}): give another --key",
                    field="--key",
                )
            return AddedMeeting(fiscal_year, meeting_key, existing.title, existing.starts_at, False, ())
        meeting = Meeting(
            cycle_id=cycle.id or 0, key=meeting_key, origin=MeetingOrigin.manual, updated_at=ctx.clock.now, **values
        )
        session.add(meeting)
        session.flush()
        record_change(
            session,
            action="meeting.added",
            row=meeting,
            before=None,
            after={"key": meeting_key, **values},
            now=ctx.clock.now,
            actor=ctx.actor,
            key=f"{fiscal_year}/{meeting_key}",
            flow_run_id=ctx.flow_run_id,
        )
        tasks = _tasks(session, ctx, cycle, meeting, rules, convener, calendar_today=ctx.clock.today)
        return AddedMeeting(fiscal_year, meeting_key, meeting.title, meeting.starts_at, True, tasks)


def _default_key(prefix: str, day: date) -> str:
    """'nishimurayama-kouiki-adhoc-20260805' (the body's part shortened to fit 40 characters)."""
    suffix = f"-adhoc-{day:%Y%m%d}"
    return f"{prefix[: KEY_LIMIT - len(suffix)].rstrip('-')}{suffix}"


def _venue(rules: BodiesRules, given: str | None, convener: Convener) -> str | None:
    """A venue key of calendar/bodies.yaml, or a place given as text; by default the body's own."""
    if given is not None:
        return rules.venue_label(given) or given
    return rules.venue_label(*convener.venue_keys)


def _tasks(
    session: Session,
    ctx: Context,
    cycle: Cycle,
    meeting: Meeting,
    rules: BodiesRules,
    convener: Convener,
    *,
    calendar_today: date,
) -> tuple[str, ...]:
    """Its notice, agenda and minutes tasks: by the lead times, or today when the meeting is sooner."""
    calendar = cycle_rules(ctx.settings.cycle_file).business_calendar()
    day = meeting.starts_at.astimezone(TOKYO).date()
    soonest = calendar.next_business_day(calendar_today)
    keys = []
    for rule in rules.meeting_tasks:
        due = calendar.add_business_days(day, rule.offset)
        if rule.offset < 0:
            due = min(max(due, soonest), day)
        key = f"{rule.prefix}:{meeting.key}"
        task = Task(
            cycle_id=cycle.id or 0,
            key=key,
            meeting_id=meeting.id,
            owner_id=convener.owner_id,
            title=rule.title.format(meeting=meeting.title),
            due_date=due,
            status=TaskStatus.pending,
            origin=TaskOrigin.manual,
            updated_at=ctx.clock.now,
        )
        session.add(task)
        session.flush()
        record_change(
            session,
            action="task.added",
            row=task,
            before=None,
            after={"key": key, "due_date": due, "owner_id": convener.owner_id},
            now=ctx.clock.now,
            actor=ctx.actor,
            key=f"{cycle.fiscal_year}/{key}",
            flow_run_id=ctx.flow_run_id,
        )
        keys.append(key)
    return tuple(keys)


def add_meeting(
    ctx: Context,
    fiscal_year: int,
    *,
    body: str,
    day: date,
    start: time,
    end: time | None = None,
    title: str | None = None,
    venue: str | None = None,
    key: str | None = None,
) -> AddedMeeting:
    """Add a body's meeting held when needed; the tick sends its notice and agenda and records it like any other."""
    added: AddedMeeting = ctx.step("add-meeting", add_step, ctx, fiscal_year, body, day, start, end, title, venue, key)
    if added.added:
        ctx.step("publish-feeds", publish_feeds_step, ctx)
    return added

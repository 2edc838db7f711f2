"""Reading what the feeds show from the database into plain records (council.feeds.selection)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from urllib.parse import quote

from sqlmodel import Session, col, select

from council.errors import NotFoundError
from council.feeds.config import FeedConfig
from council.feeds.ical import Organizer
from council.feeds.selection import (
    Directory,
    MeetingRecord,
    OrganizationRecord,
    Schedule,
    StageRecord,
    TaskRecord,
)
from council.wareki import fiscal_year_of
from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Document,
    DocumentKind,
    DocumentStatus,
    Meeting,
    Membership,
    Organization,
    OrganizationKind,
    RegionalBodyMember,
    Stage,
    Task,
    WorkingTeamMember,
)

REGIONAL_OFFICE_PREFIX = "ro-"  # reference/organizations.csv: ro-murayama … → feed region-murayama


def load_directory(session: Session, config: FeedConfig) -> Directory:
    council = session.exec(select(Council).where(Council.code == config.council_code)).first()
    if council is None or council.id is None:
        raise NotFoundError(f"council {config.council_code!r} is not set up (run `council init`)")
    organizations = session.exec(
        select(Organization)
        .where(col(Organization.active).is_(True))
        .order_by(col(Organization.sort_order), col(Organization.code))
    ).all()
    bodies: dict[int, set[Body]] = defaultdict(set)
    for membership, contact in session.exec(
        select(Membership, Contact)
        .join(Contact, col(Contact.id) == col(Membership.contact_id))
        .where(Membership.council_id == council.id)
    ).all():
        bodies[contact.organization_id].add(membership.body)
    records = tuple(
        OrganizationRecord(
            code=org.code,
            name=org.name,
            kind=org.kind,
            region=org.region,
            bodies=frozenset(bodies.get(org.id or -1, set())),
        )
        for org in organizations
    )
    slugs = tuple(
        (org.region, org.code.removeprefix(REGIONAL_OFFICE_PREFIX))
        for org in organizations
        if org.kind is OrganizationKind.regional_office and org.region
    )
    return Directory(
        council_code=council.code,
        council_name=council.name,
        prefecture=council.prefecture,
        organizations=records,
        organizer=_organizer(session, council, organizations, config),
        region_slugs=slugs,
    )


def load_schedule(session: Session, config: FeedConfig, *, today: date) -> Schedule:
    """Meetings, stages and tasks of the council's cycles in the rolling window (previous … next fiscal year)."""
    current = fiscal_year_of(today)
    cycles = session.exec(
        select(Cycle)
        .join(Council, col(Council.id) == col(Cycle.council_id))
        .where(Council.code == config.council_code)
        .where(col(Cycle.fiscal_year).between(current - 1, current + 1))
    ).all()
    by_id = {cycle.id: cycle for cycle in cycles}
    if not by_id:
        return Schedule()
    cycle_ids = list(by_id)
    meetings = session.exec(select(Meeting).where(col(Meeting.cycle_id).in_(cycle_ids))).all()
    stages = session.exec(select(Stage).where(col(Stage.cycle_id).in_(cycle_ids))).all()
    tasks = session.exec(select(Task).where(col(Task.cycle_id).in_(cycle_ids))).all()
    owners = {
        org.id: org.code
        for org in session.exec(
            select(Organization).where(col(Organization.id).in_({t.owner_id for t in tasks if t.owner_id}))
        ).all()
    }
    agendas = _agenda_urls(session, cycle_ids, config)
    members = _own_members(session, meetings)
    titles = {meeting.id: meeting.title for meeting in meetings}
    return Schedule(
        meetings=tuple(
            MeetingRecord(
                fiscal_year=by_id[m.cycle_id].fiscal_year,
                key=m.key,
                kind=m.kind,
                title=m.title,
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                timezone=m.timezone,
                venue=m.venue,
                status=m.status,
                revision=m.revision,
                updated_at=m.updated_at,
                agenda_url=agendas.get((m.cycle_id, m.key)),
                members=members.get(m.id or 0),
            )
            for m in meetings
        ),
        stages=tuple(
            StageRecord(
                fiscal_year=by_id[s.cycle_id].fiscal_year,
                key=s.key,
                title=s.title,
                start_date=s.start_date,
                end_date=s.end_date,
                planned_at=by_id[s.cycle_id].planned_at,
            )
            for s in stages
        ),
        tasks=tuple(
            TaskRecord(
                fiscal_year=by_id[t.cycle_id].fiscal_year,
                key=t.key,
                title=t.title,
                due_date=t.due_date,
                status=t.status,
                owner_code=owners.get(t.owner_id) if t.owner_id else None,
                meeting_title=titles.get(t.meeting_id) if t.meeting_id else None,
                updated_at=t.updated_at,
            )
            for t in tasks
        ),
    )


def _own_members(session: Session, meetings: Sequence[Meeting]) -> dict[int, frozenset[str]]:
    """The member organisations of each regional body's and working team's meeting, by meeting id."""
    bodies: dict[int, set[str]] = defaultdict(set)
    body_ids = {m.regional_body_id for m in meetings if m.regional_body_id is not None}
    if body_ids:
        for body_id, code in session.exec(
            select(RegionalBodyMember.regional_body_id, Organization.code)
            .join(Contact, col(Contact.id) == col(RegionalBodyMember.contact_id))
            .join(Organization, col(Organization.id) == col(Contact.organization_id))
            .where(col(RegionalBodyMember.regional_body_id).in_(body_ids))
        ).all():
            bodies[body_id].add(code)
    teams: dict[int, set[str]] = defaultdict(set)
    team_ids = {m.working_team_id for m in meetings if m.working_team_id is not None}
    if team_ids:
        for team_id, code in session.exec(
            select(WorkingTeamMember.team_id, Organization.code)
            .join(Organization, col(Organization.id) == col(WorkingTeamMember.organization_id))
            .where(col(WorkingTeamMember.team_id).in_(team_ids))
        ).all():
            teams[team_id].add(code)
    own: dict[int, frozenset[str]] = {}
    for meeting in meetings:
        if meeting.id is None:
            continue
        if meeting.regional_body_id is not None:
            own[meeting.id] = frozenset(bodies.get(meeting.regional_body_id, set()))
        elif meeting.working_team_id is not None:
            own[meeting.id] = frozenset(teams.get(meeting.working_team_id, set()))
    return own


def _agenda_urls(session: Session, cycle_ids: list[int | None], config: FeedConfig) -> dict[tuple[int, str], str]:
    """The newest issued agenda (次第) per meeting, as a link under the configured documents base URL."""
    base = config.agenda_base_url
    if base is None:
        return {}
    documents = session.exec(
        select(Document)
        .where(col(Document.cycle_id).in_(cycle_ids))
        .where(Document.kind == DocumentKind.agenda)
        .where(Document.status == DocumentStatus.issued)
        .order_by(col(Document.version))
    ).all()
    # Ordered by version, so the newest wins.
    return {
        (document.cycle_id, document.subject): f"{base}/{quote(document.directory.strip('/'))}/"
        for document in documents
    }


def _organizer(
    session: Session, council: Council, organizations: Sequence[Organization], config: FeedConfig
) -> Organizer | None:
    secretariat = next((org for org in organizations if org.kind is OrganizationKind.secretariat), None)
    email = config.organizer_email
    if email is None and secretariat is not None:
        email = session.exec(
            select(Contact.email)
            .where(Contact.organization_id == secretariat.id)
            .where(col(Contact.email).is_not(None))
            .order_by(col(Contact.id))
        ).first()
    if not email:
        return None
    name = config.organizer_name or (f"{council.prefecture}{secretariat.name}" if secretariat else None)
    return Organizer(email=email, name=name)

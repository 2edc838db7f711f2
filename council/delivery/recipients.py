"""Who receives a document: groups resolved from the roster.

Two kinds of group:
- by organisation kind and role (all 35 municipalities' 企画担当課長, every department's 主幹課長, …);
- by body membership (the members of the council, the 幹事会, the mayors' meeting, the roundtable).

A contact without an e-mail address is kept in the result (`without_email`) so the caller reports it — a recipient
is never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from council.errors import InputError, NotFoundError
from models import (
    Body,
    Contact,
    Council,
    Cycle,
    Document,
    DocumentKind,
    Meeting,
    MeetingKind,
    Membership,
    Organization,
    OrganizationKind,
    RegionalBody,
    RegionalBodyMember,
    WorkingTeam,
    WorkingTeamMember,
)
from models.enums import BODY_OF_MEETING_KIND
from models.survey import ResponseStatus, Survey, SurveyRespondent

# Roles as the source document names them; the reference loader may add more (those already on the roster are
# accepted too, see `known_roles`).
PLANNING_CHIEF = "企画担当課長"  # 市町村 企画担当課長
MAYOR = "市町村長"
DEPUTY_DIRECTOR = "企画振興部次長"
LEAD_SECTION_CHIEF = "主幹課長"  # 各部局主幹課長
LIAISON_OFFICE_HEAD = "連携支援室長"  # 各総合支庁連携支援室長
SECTION_CHIEF = "市町村課長"  # the secretariat's head, a member of every body
SECRETARIAT_STAFF = "事務局担当"

STANDARD_ROLES: tuple[str, ...] = (
    PLANNING_CHIEF,
    MAYOR,
    DEPUTY_DIRECTOR,
    LEAD_SECTION_CHIEF,
    LIAISON_OFFICE_HEAD,
    SECTION_CHIEF,
    SECRETARIAT_STAFF,
)

# The contact that answers for an organisation as a whole (a survey, a reminder).
PRIMARY_ROLES: dict[OrganizationKind, str] = {
    OrganizationKind.municipality: PLANNING_CHIEF,
    OrganizationKind.department: LEAD_SECTION_CHIEF,
    OrganizationKind.regional_office: LIAISON_OFFICE_HEAD,
    OrganizationKind.secretariat: SECRETARIAT_STAFF,
}


class UndeliverablePolicy(StrEnum):
    """What sending does when some recipients have no e-mail address (COUNCIL_UNDELIVERABLE)."""

    fail = "fail"  # refuse to send anything, naming the organisations without an address
    record = "record"  # send to the others; record the rest as undeliverable (shown in `council status`)


class RecipientGroup(StrEnum):
    municipalities = "municipalities"  # 各市町村企画担当課長
    mayors = "mayors"  # 各市町村長
    departments = "departments"  # 各部局主幹課長
    regional_offices = "regional_offices"  # 各総合支庁連携支援室長
    survey_respondents = "survey_respondents"  # 調査対象: 全市町村 及び 県庁内各部局等・各総合支庁
    secretariat = "secretariat"  # 事務局
    council = "council"  # 県・市町村連携推進会議 members
    secretariat_meeting = "secretariat_meeting"  # 幹事会 members
    mayors_meeting = "mayors_meeting"  # 市町村長会議 members
    roundtable = "roundtable"  # 県・市町村行政懇談会 members


GROUP_LABELS_JA: dict[RecipientGroup, str] = {
    RecipientGroup.municipalities: "各市町村企画担当課長",
    RecipientGroup.mayors: "各市町村長",
    RecipientGroup.departments: "各部局主幹課長",
    RecipientGroup.regional_offices: "各総合支庁連携支援室長",
    RecipientGroup.survey_respondents: "調査対象（全市町村・県庁内各部局等・各総合支庁）",
    RecipientGroup.secretariat: "事務局",
    RecipientGroup.council: "県・市町村連携推進会議 構成員",
    RecipientGroup.secretariat_meeting: "幹事会 構成員",
    RecipientGroup.mayors_meeting: "市町村長会議 構成員",
    RecipientGroup.roundtable: "県・市町村行政懇談会 構成員",
}

# (organisation kind, role) pairs of the groups defined by the roster's organisations. None = every role.
_KIND_GROUPS: dict[RecipientGroup, tuple[tuple[OrganizationKind, str | None], ...]] = {
    RecipientGroup.municipalities: ((OrganizationKind.municipality, PLANNING_CHIEF),),
    RecipientGroup.mayors: ((OrganizationKind.municipality, MAYOR),),
    RecipientGroup.departments: ((OrganizationKind.department, LEAD_SECTION_CHIEF),),
    RecipientGroup.regional_offices: ((OrganizationKind.regional_office, LIAISON_OFFICE_HEAD),),
    RecipientGroup.survey_respondents: (
        (OrganizationKind.municipality, PLANNING_CHIEF),
        (OrganizationKind.department, LEAD_SECTION_CHIEF),
        (OrganizationKind.regional_office, LIAISON_OFFICE_HEAD),
    ),
    RecipientGroup.secretariat: ((OrganizationKind.secretariat, None),),
}

_BODY_GROUPS: dict[RecipientGroup, Body] = {
    RecipientGroup.council: Body.council,
    RecipientGroup.secretariat_meeting: Body.secretariat_meeting,
    RecipientGroup.mayors_meeting: Body.mayors_meeting,
    RecipientGroup.roundtable: Body.roundtable,
}

_GROUP_OF_BODY: dict[Body, RecipientGroup] = {body: group for group, body in _BODY_GROUPS.items()}
MEETING_BODIES: dict[MeetingKind, RecipientGroup] = {
    kind: _GROUP_OF_BODY[body] for kind, body in BODY_OF_MEETING_KIND.items()
}

# Who gets a document of each kind when its subject is not a meeting (or no group was named).
DEFAULT_GROUPS: dict[DocumentKind, RecipientGroup] = {
    DocumentKind.notice: RecipientGroup.council,
    DocumentKind.agenda: RecipientGroup.council,
    DocumentKind.survey_request: RecipientGroup.survey_respondents,
    DocumentKind.survey_reminder: RecipientGroup.survey_respondents,
    DocumentKind.survey_summary: RecipientGroup.council,
    DocumentKind.minutes: RecipientGroup.council,
    DocumentKind.annual_schedule: RecipientGroup.council,
}


@dataclass(frozen=True)
class Recipient:
    """A contact with what a message and a report need about it."""

    contact_id: int
    organization_code: str
    organization_name: str
    organization_kind: OrganizationKind
    role: str
    title: str | None
    person_name: str | None
    email: str | None

    @property
    def display_name(self) -> str:
        """'山形市企画担当課長' — the roster's title (it names the organisation), else organisation and role."""
        return self.title or f"{self.organization_name} {self.role}"


@dataclass(frozen=True)
class RecipientSet:
    recipients: tuple[Recipient, ...]
    label: str

    @property
    def reachable(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.email)

    @property
    def without_email(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if not r.email)

    def __len__(self) -> int:
        return len(self.recipients)

    def union(self, other: RecipientSet) -> RecipientSet:
        seen = {r.contact_id for r in self.recipients}
        merged = self.recipients + tuple(r for r in other.recipients if r.contact_id not in seen)
        return RecipientSet(merged, f"{self.label}、{other.label}")


def _recipient_query() -> Select[Contact, Organization]:
    return (
        select(Contact, Organization)
        .join(Organization, col(Organization.id) == col(Contact.organization_id))
        .where(col(Organization.active).is_(True))
        .order_by(col(Organization.sort_order), col(Organization.code), col(Contact.role))
    )


def _to_recipients(rows: Iterable[tuple[Contact, Organization]]) -> tuple[Recipient, ...]:
    recipients: dict[int, Recipient] = {}
    for contact, organization in rows:
        assert contact.id is not None
        recipients.setdefault(
            contact.id,
            Recipient(
                contact_id=contact.id,
                organization_code=organization.code,
                organization_name=organization.name,
                organization_kind=organization.kind,
                role=contact.role,
                title=contact.title,
                person_name=contact.person_name,
                email=contact.email or None,
            ),
        )
    return tuple(recipients.values())


def council_id_of(session: Session, council_code: str | None = None) -> int:
    """The council named by `council_code`, or the only one there is."""
    statement = select(Council)
    if council_code is not None:
        statement = statement.where(Council.code == council_code)
    councils = session.exec(statement).all()
    if len(councils) == 1 and councils[0].id is not None:
        return councils[0].id
    if not councils:
        named = f" {council_code!r}" if council_code else ""
        raise NotFoundError(f"no council{named} on the roster")
    raise InputError("several councils on the roster: name one (COUNCIL_CODE)")


def resolve_group(session: Session, group: RecipientGroup, *, council_id: int | None = None) -> RecipientSet:
    """The contacts of `group`, in roster order. Raises NotFoundError when the roster has nobody for it."""
    statement = _recipient_query()
    if group in _BODY_GROUPS:
        council = council_id if council_id is not None else council_id_of(session)
        statement = statement.join(Membership, col(Membership.contact_id) == col(Contact.id)).where(
            col(Membership.council_id) == council, col(Membership.body) == _BODY_GROUPS[group]
        )
    else:
        conditions = [
            sa.and_(col(Organization.kind) == kind, col(Contact.role) == role)
            if role is not None
            else col(Organization.kind) == kind
            for kind, role in _KIND_GROUPS[group]
        ]
        statement = statement.where(sa.or_(*conditions))
    recipients = _to_recipients(session.exec(statement).all())
    if not recipients:
        raise NotFoundError(f"nobody on the roster for {group.value} ({GROUP_LABELS_JA[group]}): load the roster first")
    return RecipientSet(recipients, GROUP_LABELS_JA[group])


def resolve_groups(
    session: Session, groups: Sequence[RecipientGroup], *, council_id: int | None = None
) -> RecipientSet:
    """The union of several groups, each contact once, in the order the groups were named."""
    if not groups:
        raise InputError("name at least one recipient group")
    result = resolve_group(session, groups[0], council_id=council_id)
    for group in groups[1:]:
        result = result.union(resolve_group(session, group, council_id=council_id))
    return result


def roster_contacts(session: Session) -> RecipientSet:
    """Every contact of every active organisation, with or without an address."""
    return RecipientSet(_to_recipients(session.exec(_recipient_query()).all()), "全連絡先")


def resolve_contacts(session: Session, contact_ids: Sequence[int], *, label: str = "個別指定") -> RecipientSet:
    """Named contacts (e.g. the survey respondents that have not answered yet), in roster order."""
    if not contact_ids:
        return RecipientSet((), label)
    statement = _recipient_query().where(col(Contact.id).in_(list(contact_ids)))
    recipients = _to_recipients(session.exec(statement).all())
    missing = sorted(set(contact_ids) - {r.contact_id for r in recipients})
    if missing:
        raise NotFoundError(f"no active contact with id {', '.join(map(str, missing))}")
    return RecipientSet(recipients, label)


def resolve_organizations(
    session: Session, organization_ids: Sequence[int], *, label: str = "対象団体"
) -> RecipientSet:
    """The primary contact (PRIMARY_ROLES) of each organisation — e.g. the survey respondents that have not answered.
    An organisation without that contact on the roster is an error: a letter for it would go nowhere."""
    if not organization_ids:
        return RecipientSet((), label)
    conditions = [
        sa.and_(col(Organization.kind) == kind, col(Contact.role) == role) for kind, role in PRIMARY_ROLES.items()
    ]
    statement = _recipient_query().where(col(Organization.id).in_(list(organization_ids)), sa.or_(*conditions))
    recipients = _to_recipients(session.exec(statement).all())
    organizations = session.exec(select(Organization).where(col(Organization.id).in_(list(organization_ids)))).all()
    unknown = sorted(set(organization_ids) - {organization.id for organization in organizations})
    if unknown:
        raise NotFoundError(f"no organisation with id {', '.join(map(str, unknown))}")
    covered = {recipient.organization_code for recipient in recipients}
    missing = sorted(organization.code for organization in organizations if organization.code not in covered)
    if missing:
        raise NotFoundError(f"no primary contact on the roster for {', '.join(missing)}")
    return RecipientSet(recipients, label)


def parse_group(text: str) -> RecipientGroup:
    try:
        return RecipientGroup(text.strip())
    except ValueError:
        choices = ", ".join(member.value for member in RecipientGroup)
        raise InputError(f"{text!r} is not a recipient group ({choices})", field="--to") from None


def known_roles(session: Session) -> frozenset[str]:
    """The standard roles plus every role already on the roster (the reference data may define more)."""
    on_roster = session.exec(select(Contact.role).distinct()).all()
    return frozenset(STANDARD_ROLES) | frozenset(on_roster)


@dataclass(frozen=True)
class MeetingAudience:
    """The contacts a regional body's or a working team's meeting is for, and how to name them."""

    contact_ids: tuple[int, ...]
    label: str


def own_audience(session: Session, meeting: Meeting) -> MeetingAudience | None:
    """A regional body's meeting is for the body's members, a working team's for the primary contact of each member
    organisation; None for a meeting of the council's bodies (the roster's memberships say who sits on those)."""
    if meeting.regional_body_id is not None:
        body = session.get(RegionalBody, meeting.regional_body_id)
        ids = session.exec(
            select(RegionalBodyMember.contact_id)
            .where(RegionalBodyMember.regional_body_id == meeting.regional_body_id)
            .order_by(col(RegionalBodyMember.id))
        ).all()
        return MeetingAudience(tuple(ids), f"{body.name if body else ''} 構成員")
    if meeting.working_team_id is not None:
        team = session.get(WorkingTeam, meeting.working_team_id)
        primary = [
            sa.and_(col(Organization.kind) == kind, col(Contact.role) == role) for kind, role in PRIMARY_ROLES.items()
        ]
        contact_ids = session.exec(
            select(Contact.id)
            .join(Organization, col(Organization.id) == col(Contact.organization_id))
            .join(WorkingTeamMember, col(WorkingTeamMember.organization_id) == col(Organization.id))
            .where(WorkingTeamMember.team_id == meeting.working_team_id, sa.or_(*primary))
            .order_by(col(WorkingTeamMember.id))
        ).all()
        return MeetingAudience(tuple(i for i in contact_ids if i is not None), f"{team.name if team else ''} 構成員")
    return None


def recipients_for_document(session: Session, document: Document) -> RecipientSet:
    """Who a document goes to when nobody says otherwise: the members of the body of the meeting it is about
    (a notice of the 幹事会 goes to the 幹事会, one of a regional body or a team to its members), else the default
    group of its kind."""
    cycle = session.get(Cycle, document.cycle_id)
    if cycle is None:
        raise NotFoundError(f"document {document.id} belongs to no cycle")
    meeting = session.exec(
        select(Meeting).where(Meeting.cycle_id == document.cycle_id, Meeting.key == document.subject)
    ).first()
    if meeting is not None:
        audience = own_audience(session, meeting)
        if audience is not None:
            return resolve_contacts(session, audience.contact_ids, label=audience.label)
        return resolve_group(session, MEETING_BODIES[meeting.kind], council_id=cycle.council_id)
    if document.kind in (DocumentKind.survey_request, DocumentKind.survey_reminder):
        asked = _survey_organizations(session, cycle, reminder=document.kind is DocumentKind.survey_reminder)
        if asked is not None:
            label = "未回答の調査対象" if document.kind is DocumentKind.survey_reminder else "調査対象"
            return resolve_organizations(session, asked, label=label)
    return resolve_group(session, DEFAULT_GROUPS[document.kind], council_id=cycle.council_id)


def _survey_organizations(session: Session, cycle: Cycle, *, reminder: bool) -> list[int] | None:
    """The organisations asked by the cycle's survey (only those yet to answer, for a reminder); None when the
    year has no survey on record, so the caller falls back to the whole survey_respondents group."""
    survey = session.exec(
        select(Survey).where(Survey.council_id == cycle.council_id, Survey.fiscal_year == cycle.fiscal_year)
    ).first()
    if survey is None:
        return None
    statement = select(SurveyRespondent.organization_id).where(SurveyRespondent.survey_id == survey.id)
    if reminder:
        statement = statement.where(col(SurveyRespondent.status).in_([ResponseStatus.not_sent, ResponseStatus.sent]))
    return list(session.exec(statement).all())

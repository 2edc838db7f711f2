"""Who a working team is proposed to be: a pure function of the theme (its lead departments and related
municipalities) and the survey answers in its category (the municipalities, departments and regional offices that
asked for it). The secretariat may name another lead, add organisations or leave some out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from council import labels
from council.errors import InputError
from models.enums import OrganizationKind, TeamRole

ROLE_OF_KIND = {
    OrganizationKind.department: TeamRole.department,
    OrganizationKind.municipality: TeamRole.municipality,
    OrganizationKind.regional_office: TeamRole.regional_office,
}


@dataclass(frozen=True)
class OrgRef:
    id: int
    code: str
    name: str
    kind: OrganizationKind
    sort_order: int


@dataclass(frozen=True)
class ProposedMember:
    organization: OrgRef
    role: TeamRole
    reason: str


@dataclass(frozen=True)
class TeamProposal:
    theme_code: str
    name: str
    members: tuple[ProposedMember, ...]  # the lead first, then departments, regional offices, municipalities

    @property
    def lead(self) -> OrgRef:
        return self.members[0].organization


def propose_team(
    theme_code: str,
    name: str,
    *,
    leads: Sequence[OrgRef],
    related: Sequence[OrgRef],
    askers: Sequence[OrgRef],
    lead: OrgRef | None = None,
    add: Sequence[OrgRef] = (),
    without: Sequence[OrgRef] = (),
) -> TeamProposal:
    """The team for a theme: its lead (named, else the theme's first lead department, else the department that asked
    most), the theme's lead departments, every department and regional office that asked in its category, its related
    municipalities and every municipality that asked (`askers`: one entry per answer) — plus `add`, minus `without`."""
    answers = Counter(org.id for org in askers)
    reasons: dict[int, list[str]] = {}
    orgs: dict[int, OrgRef] = {}

    def note(org: OrgRef, reason: str) -> None:
        if org.kind not in ROLE_OF_KIND:
            return  # the secretariat runs the team; it is not a member
        orgs[org.id] = org
        if reason not in reasons.setdefault(org.id, []):
            reasons[org.id].append(reason)

    for org in leads:
        note(org, labels.TEAM_REASON_THEME_LEAD)
    for org in related:
        note(org, labels.TEAM_REASON_THEME_RELATED)
    for org in askers:
        note(org, labels.TEAM_REASON_SURVEY.format(count=answers[org.id]))
    for org in add:
        if org.kind not in ROLE_OF_KIND:
            raise InputError(f"{org.name} cannot be a member of a working team", field="--add")
        note(org, labels.TEAM_REASON_NAMED)
    left_out = {org.id for org in without}
    chosen = lead
    if chosen is None:
        departments = [org for org in leads if org.kind == OrganizationKind.department]
        asked = sorted(
            (org for org in orgs.values() if org.kind == OrganizationKind.department and answers[org.id]),
            key=lambda org: (-answers[org.id], org.sort_order, org.code),
        )
        chosen = next((org for org in [*departments, *asked] if org.id not in left_out), None)
    if chosen is None:
        raise InputError(f"theme {theme_code} has no lead department: name one with --lead", field="--lead")
    if chosen.kind != OrganizationKind.department:
        raise InputError(f"{chosen.name} is not a department: a team is led by one", field="--lead")
    if chosen.id in left_out:
        raise InputError(f"{chosen.name} leads the team: it cannot be left out", field="--without")
    if lead is not None or chosen.id not in orgs:
        note(chosen, labels.TEAM_REASON_NAMED)
    kind_order = {OrganizationKind.department: 0, OrganizationKind.regional_office: 1, OrganizationKind.municipality: 2}
    others = sorted(
        (org for org in orgs.values() if org.id != chosen.id and org.id not in left_out),
        key=lambda org: (kind_order[org.kind], org.sort_order, org.code),
    )
    members = [ProposedMember(chosen, TeamRole.lead, "・".join(reasons[chosen.id]))]
    members += [ProposedMember(org, ROLE_OF_KIND[org.kind], "・".join(reasons[org.id])) for org in others]
    return TeamProposal(theme_code, name, tuple(members))

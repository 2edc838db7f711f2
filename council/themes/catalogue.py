"""Collaboration themes through the year and across years.

candidate → adopted (1st meeting) → under_study (working groups) → reported (roundtable) → budgeted → decided as next
year's initiative (新規 / 充実; 2nd meeting). Budgeting is skipped where no budget is needed (reported → decided).
Any theme still open can be deferred to a named later year or dropped; a deferred theme comes back as a candidate in
that year (carry_over). Every change is a ThemeEvent: the theme's history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from council.errors import InputError, NotFoundError
from council.labels import THEME_STATUS
from council.survey.store import council_id_for
from council.survey.tally import DEPARTMENT_KINDS
from council.survey.taxonomy import Taxonomy
from council.themes.history import LEAD, RELATED
from council.themes.lifecycle import TRANSITIONS
from models.enums import InitiativeKind, OrganizationKind, SurveySection, ThemeStatus
from models.organizations import Organization
from models.themes import Theme, ThemeEvent, ThemeOrganization

_MANUAL_CODE = re.compile(r"^T(\d{4})-(\d+)$")


# ---------------------------------------------------------------------------------------------------- lifecycle


def allowed_transitions(status: ThemeStatus) -> tuple[ThemeStatus, ...]:
    return TRANSITIONS[status]


def check_transition(code: str, current: ThemeStatus, target: ThemeStatus) -> None:
    allowed = allowed_transitions(current)
    if target in allowed:
        return
    listed = ", ".join(f"{status.value} ({THEME_STATUS[status]})" for status in allowed)
    raise InputError(
        f"theme {code} cannot go from {current.value} ({THEME_STATUS[current]}) to {target.value} "
        f"({THEME_STATUS[target]}); allowed: {listed or f'none, {current.value} is final'}"
    )


def transition(
    session: Session,
    theme: Theme,
    target: ThemeStatus,
    *,
    now: datetime,
    actor: str,
    comment: str | None = None,
    initiative_kind: InitiativeKind | None = None,
    deferred_to_year: int | None = None,
) -> ThemeEvent:
    check_transition(theme.code, theme.status, target)
    if target == ThemeStatus.decided and initiative_kind is None:
        raise InputError(f"theme {theme.code}: deciding needs the kind of initiative, new (新規) or enhanced (充実)")
    if target == ThemeStatus.deferred and (deferred_to_year is None or deferred_to_year <= theme.current_fiscal_year):
        raise InputError(
            f"theme {theme.code}: defer it to a fiscal year after {theme.current_fiscal_year}, not {deferred_to_year}"
        )
    detail: dict[str, Any] = {}
    if target == ThemeStatus.decided:
        assert initiative_kind is not None
        theme.initiative_kind = initiative_kind
        detail["initiative_kind"] = initiative_kind.value
        detail["initiative_year"] = theme.current_fiscal_year + 1
    if target == ThemeStatus.deferred:
        detail["deferred_to_year"] = deferred_to_year
    event = ThemeEvent(
        theme_id=_id(theme),
        occurred_at=now,
        actor=actor,
        from_status=theme.status,
        to_status=target,
        fiscal_year=theme.current_fiscal_year,
        comment=comment,
        detail=detail or None,
    )
    theme.status = target
    theme.deferred_to_year = deferred_to_year if target == ThemeStatus.deferred else None
    theme.updated_at = now
    session.add(theme)
    session.add(event)
    session.flush()
    return event


def _id(row: Theme | Organization) -> int:
    assert row.id is not None
    return row.id


# ---------------------------------------------------------------------------------------------------- lookup


def get_theme(session: Session, code: str, *, council_code: str) -> Theme:
    theme = session.exec(
        select(Theme).where(Theme.council_id == council_id_for(session, council_code), Theme.code == code)
    ).first()
    if theme is None:
        raise NotFoundError(f"no theme {code!r}: see `council themes list`")
    return theme


def _resolve_organizations(
    session: Session, references: Iterable[str], kinds: Iterable[OrganizationKind], option: str
) -> list[Organization]:
    candidates = session.exec(select(Organization).where(col(Organization.kind).in_(list(kinds)))).all()
    found = []
    for reference in references:
        wanted = reference.strip()
        match = next(
            (org for org in candidates if wanted in (org.code, org.short_name, org.name)),
            None,
        )
        if match is None:
            raise InputError(f"no organisation {wanted!r} (give its code, name or short name)", field=option)
        if match not in found:
            found.append(match)
    return found


def resolve_leads(session: Session, references: Iterable[str]) -> list[Organization]:
    """Departments and regional offices by code (dept-kikaku), short name (企画) or name (企画振興部)."""
    return _resolve_organizations(session, references, sorted(DEPARTMENT_KINDS), "lead")


def resolve_related(session: Session, references: Iterable[str]) -> list[Organization]:
    """Municipalities by code (062014) or name (山形市)."""
    return _resolve_organizations(session, references, (OrganizationKind.municipality,), "related")


def _link(session: Session, theme: Theme, organizations: Iterable[Organization], role: str) -> list[str]:
    existing = set(
        session.exec(
            select(ThemeOrganization.organization_id).where(
                ThemeOrganization.theme_id == theme.id, ThemeOrganization.role == role
            )
        ).all()
    )
    added = []
    for organization in organizations:
        if organization.id not in existing:
            session.add(ThemeOrganization(theme_id=_id(theme), organization_id=_id(organization), role=role))
            existing.add(_id(organization))
            added.append(organization.code)
    return added


def _unlink(session: Session, theme: Theme, organizations: Iterable[Organization], role: str) -> list[str]:
    removed = []
    for organization in organizations:
        link = session.exec(
            select(ThemeOrganization).where(
                ThemeOrganization.theme_id == theme.id,
                ThemeOrganization.organization_id == organization.id,
                ThemeOrganization.role == role,
            )
        ).first()
        if link is not None:
            session.delete(link)
            removed.append(organization.code)
    return removed


def _check_category(taxonomy: Taxonomy, section: SurveySection, category: str) -> None:
    found = taxonomy.by_code(category)
    if found is None or found.section != section:
        codes = ", ".join(c.code for c in taxonomy.in_section(section))
        raise InputError(f"{category!r} is not a category of section {section.value}; one of {codes}", field="category")


def next_theme_code(session: Session, council_id: int, fiscal_year: int) -> str:
    numbers = [
        int(match.group(2))
        for code in session.exec(select(Theme.code).where(Theme.council_id == council_id)).all()
        if (match := _MANUAL_CODE.match(code)) and int(match.group(1)) == fiscal_year
    ]
    return f"T{fiscal_year}-{max(numbers, default=0) + 1:02d}"


# ---------------------------------------------------------------------------------------------------- editing


def add_theme(
    session: Session,
    *,
    fiscal_year: int,
    title: str,
    section: SurveySection,
    category: str,
    now: datetime,
    actor: str,
    summary: str | None = None,
    leads: Sequence[str] = (),
    related: Sequence[str] = (),
    code: str | None = None,
    taxonomy: Taxonomy,
    council_code: str,
) -> Theme:
    """A new candidate theme added by the secretariat."""
    if not title.strip():
        raise InputError("a theme needs a title", field="title")
    _check_category(taxonomy, section, category)
    council_id = council_id_for(session, council_code)
    theme_code = code or next_theme_code(session, council_id, fiscal_year)
    clash = session.exec(select(Theme).where(Theme.council_id == council_id, Theme.code == theme_code)).first()
    if clash is not None:
        raise InputError(f"theme {theme_code} already exists: {clash.title}", field="code")
    lead_orgs, related_orgs = resolve_leads(session, leads), resolve_related(session, related)
    theme = Theme(
        council_id=council_id,
        code=theme_code,
        origin_fiscal_year=fiscal_year,
        current_fiscal_year=fiscal_year,
        title=title.strip(),
        section=section,
        category=category,
        summary=summary,
        updated_at=now,
    )
    session.add(theme)
    session.flush()
    _link(session, theme, lead_orgs, LEAD)
    _link(session, theme, related_orgs, RELATED)
    session.add(
        ThemeEvent(
            theme_id=_id(theme),
            occurred_at=now,
            actor=actor,
            from_status=None,
            to_status=ThemeStatus.candidate,
            fiscal_year=fiscal_year,
            comment="added",
        )
    )
    session.flush()
    return theme


def update_theme(
    session: Session,
    code: str,
    *,
    now: datetime,
    actor: str,
    title: str | None = None,
    summary: str | None = None,
    section: SurveySection | None = None,
    category: str | None = None,
    add_leads: Sequence[str] = (),
    remove_leads: Sequence[str] = (),
    add_related: Sequence[str] = (),
    remove_related: Sequence[str] = (),
    status: ThemeStatus | None = None,
    comment: str | None = None,
    taxonomy: Taxonomy,
    council_code: str,
) -> Theme:
    """Edit a theme's fields and links, and/or move it one step (adopted, under_study, reported, budgeted,
    candidate from deferred). Deciding, deferring and dropping have their own functions (they need more)."""
    theme = get_theme(session, code, council_code=council_code)
    changes: dict[str, Any] = {}
    for name, value in (("title", title), ("summary", summary)):
        if value is not None and value != getattr(theme, name):
            changes[name] = [getattr(theme, name), value]
            setattr(theme, name, value)
    if section is not None or category is not None:
        new_section, new_category = section or theme.section, category or theme.category
        _check_category(taxonomy, new_section, new_category)
        if (new_section, new_category) != (theme.section, theme.category):
            changes["category"] = [f"{theme.section.value}/{theme.category}", f"{new_section.value}/{new_category}"]
            theme.section, theme.category = new_section, new_category
    links = {
        "leads_added": _link(session, theme, resolve_leads(session, add_leads), LEAD),
        "leads_removed": _unlink(session, theme, resolve_leads(session, remove_leads), LEAD),
        "related_added": _link(session, theme, resolve_related(session, add_related), RELATED),
        "related_removed": _unlink(session, theme, resolve_related(session, remove_related), RELATED),
    }
    changes.update({key: value for key, value in links.items() if value})
    if status is not None and status != theme.status:
        if status in (ThemeStatus.decided, ThemeStatus.deferred, ThemeStatus.dropped):
            check_transition(theme.code, theme.status, status)
            raise InputError(f"use `council themes {_COMMAND_FOR[status]}` to set {status.value}", field="status")
        transition(session, theme, status, now=now, actor=actor, comment=comment)
    if changes:
        theme.updated_at = now
        session.add(theme)
        session.add(
            ThemeEvent(
                theme_id=_id(theme),
                occurred_at=now,
                actor=actor,
                from_status=theme.status,
                to_status=theme.status,
                fiscal_year=theme.current_fiscal_year,
                comment=comment or "edited",
                detail={"changed": changes},
            )
        )
    session.flush()
    return theme


_COMMAND_FOR = {ThemeStatus.decided: "decide", ThemeStatus.deferred: "defer", ThemeStatus.dropped: "drop"}


def decide_theme(
    session: Session,
    code: str,
    kind: InitiativeKind,
    *,
    council_code: str,
    now: datetime,
    actor: str,
    comment: str | None = None,
) -> Theme:
    """Decided at the 2nd meeting as next year's initiative, 新規 (new) or 充実 (enhanced)."""
    theme = get_theme(session, code, council_code=council_code)
    transition(session, theme, ThemeStatus.decided, now=now, actor=actor, comment=comment, initiative_kind=kind)
    return theme


def defer_theme(
    session: Session,
    code: str,
    to_year: int,
    *,
    council_code: str,
    now: datetime,
    actor: str,
    comment: str | None = None,
) -> Theme:
    """To be studied again from `to_year` (「平成31年度以降に検討するもの」)."""
    theme = get_theme(session, code, council_code=council_code)
    transition(session, theme, ThemeStatus.deferred, now=now, actor=actor, comment=comment, deferred_to_year=to_year)
    return theme


def drop_theme(
    session: Session, code: str, *, council_code: str, now: datetime, actor: str, comment: str | None = None
) -> Theme:
    theme = get_theme(session, code, council_code=council_code)
    transition(session, theme, ThemeStatus.dropped, now=now, actor=actor, comment=comment)
    return theme

"""Collaboration themes through the year and across years.

candidate → adopted (1st meeting) → under_study (working groups) → reported (roundtable) → budgeted → decided as next
year's initiative (新規 / 充実; 2nd meeting). Budgeting is skipped where no budget is needed (reported → decided).
Any theme still open can be deferred to a named later year or dropped; a deferred theme comes back as a candidate in
that year (carry_over). Every change is a ThemeEvent: the theme's history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from council.errors import InputError, NotFoundError
from council.survey.store import council_id_for, current_answers, get_survey
from council.survey.tally import DEPARTMENT_KINDS, SurveyTally
from council.survey.taxonomy import Taxonomy, load_taxonomy
from council.wareki import fiscal_year_label
from models.enums import InitiativeKind, OrganizationKind, SurveySection, ThemeStatus
from models.organizations import Organization
from models.survey import ThemeSource
from models.themes import Theme, ThemeEvent, ThemeOrganization

LEAD = "lead"
RELATED = "related"

STATUS_LABELS: Mapping[ThemeStatus, str] = {
    ThemeStatus.candidate: "候補",
    ThemeStatus.adopted: "採択",
    ThemeStatus.under_study: "検討中",
    ThemeStatus.reported: "報告済",
    ThemeStatus.budgeted: "予算化",
    ThemeStatus.decided: "決定",
    ThemeStatus.deferred: "先送り",
    ThemeStatus.dropped: "取り下げ",
}
INITIATIVE_LABELS: Mapping[InitiativeKind, str] = {InitiativeKind.new: "新規", InitiativeKind.enhanced: "充実"}

_OPEN_EXITS = (ThemeStatus.deferred, ThemeStatus.dropped)
TRANSITIONS: Mapping[ThemeStatus, tuple[ThemeStatus, ...]] = {
    ThemeStatus.candidate: (ThemeStatus.adopted, *_OPEN_EXITS),
    ThemeStatus.adopted: (ThemeStatus.under_study, *_OPEN_EXITS),
    ThemeStatus.under_study: (ThemeStatus.reported, *_OPEN_EXITS),
    ThemeStatus.reported: (ThemeStatus.budgeted, ThemeStatus.decided, *_OPEN_EXITS),
    ThemeStatus.budgeted: (ThemeStatus.decided, *_OPEN_EXITS),
    ThemeStatus.decided: (),
    ThemeStatus.deferred: (ThemeStatus.candidate, ThemeStatus.dropped),
    ThemeStatus.dropped: (),
}
_MANUAL_CODE = re.compile(r"^T(\d{4})-(\d+)$")


@dataclass(frozen=True)
class ThemeView:
    """A theme as lists, agendas and the plan show it."""

    code: str
    title: str
    section: SurveySection
    category: str
    status: ThemeStatus
    initiative_kind: InitiativeKind | None
    deferred_to_year: int | None
    origin_fiscal_year: int
    current_fiscal_year: int
    decided_in_year: int | None  # the fiscal year whose 2nd meeting decided it (initiative of the next year)
    leads: tuple[str, ...]  # short names, in the order given: 企画, 県土, 農林
    related: tuple[str, ...]  # municipality names
    source_count: int
    summary: str | None

    @property
    def lead_label(self) -> str:
        """〔企画、県土、農林〕 as the source prints a theme's lead departments."""
        return f"〔{'、'.join(self.leads)}〕" if self.leads else ""

    @property
    def status_label(self) -> str:
        label = STATUS_LABELS[self.status]
        if self.initiative_kind is not None:
            label += f"〔{INITIATIVE_LABELS[self.initiative_kind]}〕"
        if self.deferred_to_year is not None:
            label += f"（{fiscal_year_label(self.deferred_to_year)}以降に検討）"
        return label


@dataclass(frozen=True)
class CarryOverReport:
    from_year: int
    to_year: int
    initiatives: tuple[str, ...]  # codes of decided themes that became the new year's initiatives
    revived: tuple[str, ...]  # codes of deferred themes back as candidates


# ---------------------------------------------------------------------------------------------------- lifecycle


def allowed_transitions(status: ThemeStatus) -> tuple[ThemeStatus, ...]:
    return TRANSITIONS[status]


def check_transition(code: str, current: ThemeStatus, target: ThemeStatus) -> None:
    allowed = allowed_transitions(current)
    if target in allowed:
        return
    listed = ", ".join(f"{status.value} ({STATUS_LABELS[status]})" for status in allowed)
    raise InputError(
        f"theme {code} cannot go from {current.value} ({STATUS_LABELS[current]}) to {target.value} "
        f"({STATUS_LABELS[target]}); allowed: {listed or f'none, {current.value} is final'}"
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


def get_theme(session: Session, code: str, *, council_code: str | None = None) -> Theme:
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
    taxonomy: Taxonomy | None = None,
    council_code: str | None = None,
) -> Theme:
    """A new candidate theme added by the secretariat."""
    if not title.strip():
        raise InputError("a theme needs a title", field="title")
    _check_category(taxonomy or load_taxonomy(), section, category)
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
    taxonomy: Taxonomy | None = None,
) -> Theme:
    """Edit a theme's fields and links, and/or move it one step (adopted, under_study, reported, budgeted,
    candidate from deferred). Deciding, deferring and dropping have their own functions (they need more)."""
    theme = get_theme(session, code)
    changes: dict[str, Any] = {}
    for name, value in (("title", title), ("summary", summary)):
        if value is not None and value != getattr(theme, name):
            changes[name] = [getattr(theme, name), value]
            setattr(theme, name, value)
    if section is not None or category is not None:
        new_section, new_category = section or theme.section, category or theme.category
        _check_category(taxonomy or load_taxonomy(), new_section, new_category)
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
    session: Session, code: str, kind: InitiativeKind, *, now: datetime, actor: str, comment: str | None = None
) -> Theme:
    """Decided at the 2nd meeting as next year's initiative, 新規 (new) or 充実 (enhanced)."""
    theme = get_theme(session, code)
    transition(session, theme, ThemeStatus.decided, now=now, actor=actor, comment=comment, initiative_kind=kind)
    return theme


def defer_theme(
    session: Session, code: str, to_year: int, *, now: datetime, actor: str, comment: str | None = None
) -> Theme:
    """To be studied again from `to_year` (「平成31年度以降に検討するもの」)."""
    theme = get_theme(session, code)
    transition(session, theme, ThemeStatus.deferred, now=now, actor=actor, comment=comment, deferred_to_year=to_year)
    return theme


def drop_theme(session: Session, code: str, *, now: datetime, actor: str, comment: str | None = None) -> Theme:
    theme = get_theme(session, code)
    transition(session, theme, ThemeStatus.dropped, now=now, actor=actor, comment=comment)
    return theme


# ---------------------------------------------------------------------------------------------------- reading


def _views(session: Session, themes: Sequence[Theme]) -> list[ThemeView]:
    ids = [_id(theme) for theme in themes]
    names: dict[tuple[int, str], list[str]] = {}
    for link, organization in session.exec(
        select(ThemeOrganization, Organization)
        .join(Organization, col(Organization.id) == ThemeOrganization.organization_id)
        .where(col(ThemeOrganization.theme_id).in_(ids))
        .order_by(col(ThemeOrganization.id))
    ).all():
        label = organization.short_name or organization.name if link.role == LEAD else organization.name
        names.setdefault((link.theme_id, link.role), []).append(label)
    sources: dict[int, int] = {}
    for theme_id in session.exec(select(ThemeSource.theme_id).where(col(ThemeSource.theme_id).in_(ids))).all():
        sources[theme_id] = sources.get(theme_id, 0) + 1
    decided: dict[int, int] = {}
    for event in session.exec(
        select(ThemeEvent)
        .where(col(ThemeEvent.theme_id).in_(ids), ThemeEvent.to_status == ThemeStatus.decided)
        .where(col(ThemeEvent.from_status) != ThemeStatus.decided)
        .order_by(col(ThemeEvent.id))
    ).all():
        decided[event.theme_id] = event.fiscal_year
    return [
        ThemeView(
            code=theme.code,
            title=theme.title,
            section=theme.section,
            category=theme.category,
            status=theme.status,
            initiative_kind=theme.initiative_kind,
            deferred_to_year=theme.deferred_to_year,
            origin_fiscal_year=theme.origin_fiscal_year,
            current_fiscal_year=theme.current_fiscal_year,
            decided_in_year=decided.get(_id(theme)) if theme.status == ThemeStatus.decided else None,
            leads=tuple(names.get((_id(theme), LEAD), ())),
            related=tuple(names.get((_id(theme), RELATED), ())),
            source_count=sources.get(_id(theme), 0),
            summary=theme.summary,
        )
        for theme in themes
    ]


def list_themes(
    session: Session,
    *,
    fiscal_year: int | None = None,
    status: ThemeStatus | None = None,
    council_code: str | None = None,
) -> list[ThemeView]:
    """Themes in a fiscal year's plan (current_fiscal_year), or all, by code."""
    query = select(Theme).where(Theme.council_id == council_id_for(session, council_code))
    if fiscal_year is not None:
        query = query.where(Theme.current_fiscal_year == fiscal_year)
    if status is not None:
        query = query.where(Theme.status == status)
    return _views(session, session.exec(query.order_by(col(Theme.code))).all())


def theme_history(session: Session, code: str) -> list[ThemeEvent]:
    theme = get_theme(session, code)
    return list(session.exec(select(ThemeEvent).where(ThemeEvent.theme_id == theme.id).order_by(col(ThemeEvent.id))))


def initiatives_decided_in(session: Session, fiscal_year: int) -> list[ThemeView]:
    """Decided at `fiscal_year`'s 2nd meeting: next year's initiatives (次年度の連携の取組み)."""
    return [view for view in list_themes(session, status=ThemeStatus.decided) if view.decided_in_year == fiscal_year]


def initiatives_of_year(session: Session, fiscal_year: int) -> list[ThemeView]:
    """The initiatives running in `fiscal_year` (decided in the year before)."""
    return initiatives_decided_in(session, fiscal_year - 1)


# ---------------------------------------------------------------------------------------------------- from the survey


def candidate_title(label: str) -> str:
    """若者の定着・回帰関係 → 若者の定着・回帰."""
    return label.removesuffix("関係") or label


def create_theme_candidates(
    session: Session,
    tally: SurveyTally,
    *,
    now: datetime,
    actor: str,
    min_municipal_answers: int = 10,
    taxonomy: Taxonomy | None = None,
) -> list[Theme]:
    """One candidate per category marked `*` or answered by at least `min_municipal_answers` municipalities
    (never その他), coded T<fy>-<category>. Idempotent: an existing candidate is kept, and only gains the answers and
    organisations it lacked (late answers); nothing is removed."""
    categories = taxonomy or load_taxonomy()
    survey = get_survey(session, tally.fiscal_year)
    council_id = survey.council_id
    answers = current_answers(session, survey)
    themes = []
    for row in tally.rows:
        category = categories.by_code(row.code)
        if category is None or category.is_other:
            continue
        if not (row.marked or row.municipal_count >= min_municipal_answers):
            continue
        code = f"T{tally.fiscal_year}-{row.code}"
        theme = session.exec(select(Theme).where(Theme.council_id == council_id, Theme.code == code)).first()
        if theme is None:
            theme = Theme(
                council_id=council_id,
                code=code,
                origin_fiscal_year=tally.fiscal_year,
                current_fiscal_year=tally.fiscal_year,
                title=candidate_title(row.label),
                section=row.section,
                category=row.code,
                summary=(
                    f"{fiscal_year_label(tally.fiscal_year)}調査：市町村 {row.municipal_count} 件、"
                    f"県部局等 {row.department_count} 件"
                ),
                updated_at=now,
            )
            session.add(theme)
            session.flush()
            session.add(
                ThemeEvent(
                    theme_id=_id(theme),
                    occurred_at=now,
                    actor=actor,
                    from_status=None,
                    to_status=ThemeStatus.candidate,
                    fiscal_year=tally.fiscal_year,
                    comment="from the survey tally",
                    detail={"municipal_count": row.municipal_count, "department_count": row.department_count},
                )
            )
        matching = [(a, o) for a, o in answers if a.section == row.section and a.category == row.code]
        known = set(session.exec(select(ThemeSource.answer_id).where(ThemeSource.theme_id == theme.id)).all())
        for answer, _ in matching:
            if answer.id not in known:
                assert answer.id is not None
                session.add(ThemeSource(theme_id=_id(theme), answer_id=answer.id))
        _link(session, theme, _unique(o for _, o in matching if o.kind in DEPARTMENT_KINDS), LEAD)
        _link(session, theme, _unique(o for _, o in matching if o.kind == OrganizationKind.municipality), RELATED)
        session.flush()
        themes.append(theme)
    return themes


def _unique(organizations: Iterable[Organization]) -> list[Organization]:
    seen: dict[int, Organization] = {}
    for organization in organizations:
        seen.setdefault(_id(organization), organization)
    return list(seen.values())


# ---------------------------------------------------------------------------------------------------- next year


def carry_over(
    session: Session,
    from_year: int,
    to_year: int,
    *,
    now: datetime,
    actor: str,
    council_code: str | None = None,
) -> CarryOverReport:
    """Bring into `to_year`'s plan the initiatives decided in `from_year` and the themes deferred to `to_year`
    (they come back as candidates). Idempotent: a theme already in `to_year` is left alone."""
    if to_year <= from_year:
        raise InputError(f"carry over goes forward: {to_year} is not after {from_year}")
    council_id = council_id_for(session, council_code)
    decided_views = {view.code for view in initiatives_decided_in(session, from_year)}
    initiatives, revived = [], []
    decided = session.exec(
        select(Theme).where(
            Theme.council_id == council_id,
            Theme.status == ThemeStatus.decided,
            Theme.current_fiscal_year == from_year,
        )
    ).all()
    for theme in decided:
        if theme.code not in decided_views:
            continue
        session.add(
            ThemeEvent(
                theme_id=_id(theme),
                occurred_at=now,
                actor=actor,
                from_status=theme.status,
                to_status=theme.status,
                fiscal_year=to_year,
                comment=f"initiative of {fiscal_year_label(to_year)}",
                detail={"carried_from": from_year},
            )
        )
        theme.current_fiscal_year = to_year
        theme.updated_at = now
        session.add(theme)
        initiatives.append(theme.code)
    deferred = session.exec(
        select(Theme).where(
            Theme.council_id == council_id,
            Theme.status == ThemeStatus.deferred,
            Theme.deferred_to_year == to_year,
        )
    ).all()
    for theme in deferred:
        theme.current_fiscal_year = to_year
        transition(
            session,
            theme,
            ThemeStatus.candidate,
            now=now,
            actor=actor,
            comment=f"deferred theme back in {fiscal_year_label(to_year)}",
        )
        revived.append(theme.code)
    session.flush()
    return CarryOverReport(from_year, to_year, tuple(sorted(initiatives)), tuple(sorted(revived)))

"""Working teams' use cases: propose a team for an adopted theme, form it (its members stored, its meetings planned
inside the working-group stage on business days), list the year's teams, and file a team's 検討結果 — which moves
its theme to reported and becomes the roundtable's 検討状況 for it. The CLI and flows call these same functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from council.audit import record_change
from council.bodies.rules import BodiesRules, SeriesOf, bodies_rules, bodies_rules_path, meeting_rules, planner_rules
from council.bodies.store import Owner, store_body_plan
from council.clock import TOKYO
from council.context import Context
from council.delivery.message import header_text_problem
from council.documents.text import one_line
from council.errors import InputError, NotFoundError
from council.feeds.actions import publish_feeds_step
from council.planning.cycles import council_and_cycle
from council.planning.planner import plan_year
from council.planning.rules import CycleRules, cycle_rules, fiscal_date
from council.planning.store import find_secretariat
from council.reference import organizations_named
from council.survey.store import find_survey
from council.teams.proposal import OrgRef, TeamProposal, propose_team
from council.themes.catalogue import get_theme, transition
from council.themes.history import LEAD, RELATED
from council.themes.lifecycle import path_to
from models import (
    Cycle,
    Meeting,
    MeetingKind,
    Organization,
    SurveyAnswer,
    TeamStatus,
    Theme,
    ThemeOrganization,
    ThemeStatus,
    WorkingTeam,
    WorkingTeamMember,
)
from models.survey import ThemeSource

FORMABLE = (ThemeStatus.adopted, ThemeStatus.under_study)  # a team studies an adopted theme
FINDINGS_LIMIT = 2000
CODE_LIMIT = 37  # its meetings are '<code>-<n>' (at most 40 characters)


@dataclass(frozen=True)
class TeamView:
    code: str
    name: str
    theme_code: str
    theme_title: str
    status: TeamStatus
    lead: str
    members: tuple[tuple[str, str, str], ...]  # (organisation name, role label key, reason)
    meetings: tuple[tuple[str, str, str], ...]  # (key, ISO start, status)
    findings: str | None


@dataclass(frozen=True)
class FormReport:
    team: TeamView
    formed_now: bool
    planned: tuple[str, ...]  # meeting keys planned now
    left_out: int  # regular meetings whose window had passed


# ------------------------------------------------------------------------------------------------- reading


def _ref(organization: Organization) -> OrgRef:
    assert organization.id is not None
    return OrgRef(organization.id, organization.code, organization.name, organization.kind, organization.sort_order)


def _resolve(session: Session, references: Sequence[str], option: str) -> list[OrgRef]:
    return [_ref(organization) for organization in organizations_named(session, references, option)]


def _theme_for(session: Session, ctx: Context, fiscal_year: int, theme_code: str) -> Theme:
    theme = get_theme(session, theme_code, council_code=ctx.settings.council_code)
    if theme.current_fiscal_year != fiscal_year:
        raise InputError(
            f"theme {theme.code} is in the plan of fiscal year {theme.current_fiscal_year}, not {fiscal_year}"
        )
    return theme


def _linked(session: Session, theme: Theme, role: str) -> list[OrgRef]:
    rows = session.exec(
        select(Organization)
        .join(ThemeOrganization, col(ThemeOrganization.organization_id) == col(Organization.id))
        .where(ThemeOrganization.theme_id == theme.id, ThemeOrganization.role == role)
        .order_by(col(ThemeOrganization.id))
    ).all()
    return [_ref(row) for row in rows]


def _askers(session: Session, ctx: Context, theme: Theme) -> list[OrgRef]:
    """One entry per current survey answer in the theme's category (the year's survey), and per answer the theme was
    made from."""
    answers: dict[int, Organization] = {}
    survey = find_survey(session, theme.current_fiscal_year, ctx.settings.council_code)
    if survey is not None:
        for answer, organization in session.exec(
            select(SurveyAnswer, Organization)
            .join(Organization, col(Organization.id) == col(SurveyAnswer.organization_id))
            .where(
                SurveyAnswer.survey_id == survey.id,
                col(SurveyAnswer.current).is_(True),
                SurveyAnswer.section == theme.section,
                SurveyAnswer.category == theme.category,
            )
        ).all():
            answers[answer.id or 0] = organization
    for answer, organization in session.exec(
        select(SurveyAnswer, Organization)
        .join(ThemeSource, col(ThemeSource.answer_id) == col(SurveyAnswer.id))
        .join(Organization, col(Organization.id) == col(SurveyAnswer.organization_id))
        .where(ThemeSource.theme_id == theme.id)
    ).all():
        answers[answer.id or 0] = organization
    return [_ref(organization) for _, organization in sorted(answers.items())]


def _proposal(
    session: Session,
    ctx: Context,
    rules: BodiesRules,
    theme: Theme,
    *,
    lead: str | None,
    add: Sequence[str],
    without: Sequence[str],
) -> TeamProposal:
    named = _resolve(session, [lead], "--lead")[0] if lead else None
    return propose_team(
        theme.code,
        rules.team_name.format(theme=one_line(theme.title)),
        leads=_linked(session, theme, LEAD),
        related=_linked(session, theme, RELATED),
        askers=_askers(session, ctx, theme),
        lead=named,
        add=_resolve(session, add, "--add"),
        without=_resolve(session, without, "--without"),
    )


def team_code(theme: Theme) -> str:
    """'team-t2026-shopping' — readable, unique per theme; the theme's id when its code is too long."""
    code = f"team-{theme.code.lower()}"
    if len(code) > CODE_LIMIT or not all(char.isascii() and (char.isalnum() or char == "-") for char in code):
        code = f"team-{theme.id}"
    return code


def _view(session: Session, team: WorkingTeam) -> TeamView:
    theme = session.get(Theme, team.theme_id)
    lead = session.get(Organization, team.lead_id)
    assert theme is not None
    members = session.exec(
        select(WorkingTeamMember, Organization)
        .join(Organization, col(Organization.id) == col(WorkingTeamMember.organization_id))
        .where(WorkingTeamMember.team_id == team.id)
        .order_by(col(WorkingTeamMember.id))
    ).all()
    meetings = session.exec(
        select(Meeting).where(Meeting.working_team_id == team.id).order_by(col(Meeting.starts_at))
    ).all()
    return TeamView(
        code=team.code,
        name=team.name,
        theme_code=theme.code,
        theme_title=theme.title,
        status=team.status,
        lead=lead.name if lead else "",
        members=tuple((org.name, member.role.value, member.reason or "") for member, org in members),
        meetings=tuple((m.key, m.starts_at.astimezone(TOKYO).isoformat(), m.status.value) for m in meetings),
        findings=team.findings,
    )


def _team_of(session: Session, cycle: Cycle, theme: Theme) -> WorkingTeam | None:
    return session.exec(
        select(WorkingTeam).where(WorkingTeam.cycle_id == cycle.id, WorkingTeam.theme_id == theme.id)
    ).first()


# ------------------------------------------------------------------------------------------------- use cases


def propose(
    ctx: Context,
    fiscal_year: int,
    theme_code: str,
    *,
    lead: str | None = None,
    add: Sequence[str] = (),
    without: Sequence[str] = (),
) -> TeamProposal:
    """The team the secretariat would form for an adopted theme (nothing is written)."""
    rules = bodies_rules(bodies_rules_path(ctx.settings.cycle_file))
    with ctx.transaction() as session:
        council_and_cycle(session, ctx.settings.council_code, fiscal_year)
        theme = _theme_for(session, ctx, fiscal_year, theme_code)
        return _proposal(session, ctx, rules, theme, lead=lead, add=add, without=without)


def form_step(
    ctx: Context, fiscal_year: int, theme_code: str, lead: str | None, add: Sequence[str], without: Sequence[str]
) -> FormReport:
    """Step: the team stored with its members and its meetings planned (one transaction; idempotent)."""
    rules = bodies_rules(bodies_rules_path(ctx.settings.cycle_file))
    cycle_rule_set = cycle_rules(ctx.settings.cycle_file)
    with ctx.transaction() as session:
        cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
        theme = _theme_for(session, ctx, fiscal_year, theme_code)
        proposal = _proposal(session, ctx, rules, theme, lead=lead, add=add, without=without)
        existing = _team_of(session, cycle, theme)
        if existing is not None:
            view = _view(session, existing)
            wanted = [(member.organization.name, member.role.value) for member in proposal.members]
            if [(name, role) for name, role, _ in view.members] != wanted:
                raise InputError(
                    f"{existing.name} is already formed (lead {view.lead}, {len(view.members)} members): "
                    "see `council teams list`",
                    field="theme",
                )
            return FormReport(view, False, (), 0)
        if theme.status not in FORMABLE:
            raise InputError(
                f"theme {theme.code} is {theme.status.value}: a team is formed for an adopted theme", field="theme"
            )
        team = WorkingTeam(
            cycle_id=cycle.id or 0,
            theme_id=theme.id or 0,
            code=team_code(theme),
            name=proposal.name,
            lead_id=proposal.lead.id,
            formed_at=ctx.clock.now,
            formed_by=ctx.actor,
        )
        session.add(team)
        session.flush()
        for member in proposal.members:
            session.add(
                WorkingTeamMember(
                    team_id=team.id or 0,
                    organization_id=member.organization.id,
                    role=member.role,
                    reason=member.reason[:200],
                )
            )
        session.flush()
        record_change(
            session,
            action="team.formed",
            row=team,
            before=None,
            after={
                "theme": theme.code,
                "lead": proposal.lead.code,
                "members": [member.organization.code for member in proposal.members],
            },
            now=ctx.clock.now,
            actor=ctx.actor,
            key=f"{fiscal_year}/{team.code}",
            flow_run_id=ctx.flow_run_id,
        )
        planned, left_out = _plan_meetings(session, ctx, cycle, team, rules, cycle_rule_set)
        return FormReport(_view(session, team), True, planned, left_out)


def _plan_meetings(
    session: Session, ctx: Context, cycle: Cycle, team: WorkingTeam, rules: BodiesRules, cycle_rule_set: CycleRules
) -> tuple[tuple[str, ...], int]:
    """The team's regular meetings, inside the working-group stage, each far enough ahead for its notice."""
    stage = next((rule for rule in cycle_rule_set.stages if rule.key == rules.team_stage), None)
    if stage is None:
        raise InputError(f"working_teams.stage: {rules.team_stage!r} is not a stage of {cycle_rule_set.source}")
    first, last = stage.window.dates(cycle.fiscal_year)
    for occurrence in rules.teams.occurrences:
        start, end = occurrence.window.dates(cycle.fiscal_year)
        if start < first or end > last:
            raise InputError(
                f"working_teams.meetings: window {occurrence.window} is outside stage {stage.key} ({stage.window})",
                file=str(rules.source),
            )
    calendar = cycle_rule_set.business_calendar()
    earliest = calendar.add_business_days(ctx.clock.today, rules.lead_times.get("notice", 0))
    venue = rules.venue_label(rules.teams.venue)
    owner = SeriesOf(team.code, MeetingKind.team_meeting, {"team": team.name}, venue, stage=stage.key)
    series = meeting_rules(rules.teams, owner, cycle.fiscal_year, earliest=earliest)
    left_out = len(rules.teams.occurrences) - len(series)
    if not series:
        return (), left_out
    secretariat = find_secretariat(session)
    scope = Owner(None, team.id, secretariat.id if secretariat else None)
    plan = plan_year(planner_rules(cycle_rule_set, rules, series), cycle.fiscal_year, calendar, {})
    for meeting in plan.meetings:
        if meeting.day < earliest or meeting.day > fiscal_date(stage.window.end, cycle.fiscal_year):
            raise InputError(f"{meeting.key}: no business day left in its window for a meeting with due notice")
    report = store_body_plan(
        session,
        cycle,
        plan,
        {meeting.key: scope for meeting in plan.meetings},
        [scope],
        now=ctx.clock.now,
        actor=ctx.actor,
        flow_run_id=ctx.flow_run_id,
    )
    return tuple(item.removeprefix("meeting:") for item in report.added if item.startswith("meeting:")), left_out


def form_team(
    ctx: Context,
    fiscal_year: int,
    theme_code: str,
    *,
    lead: str | None = None,
    add: Sequence[str] = (),
    without: Sequence[str] = (),
) -> FormReport:
    """Form the working team of an adopted theme as proposed (or with another lead, organisations added or left
    out), plan its meetings in the working-group stage, and publish the feeds. Forming it again changes nothing."""
    report: FormReport = ctx.step(
        "form-team", form_step, ctx, fiscal_year, theme_code, lead, tuple(add), tuple(without)
    )
    if report.formed_now:
        ctx.step("publish-feeds", publish_feeds_step, ctx)
    return report


def list_teams(ctx: Context, fiscal_year: int) -> list[TeamView]:
    with ctx.transaction() as session:
        cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
        teams = session.exec(select(WorkingTeam).where(WorkingTeam.cycle_id == cycle.id).order_by(col(WorkingTeam.id)))
        return [_view(session, team) for team in teams.all()]


@dataclass(frozen=True)
class TeamReport:
    team: TeamView
    theme_status: ThemeStatus
    changed: bool


def report_team(ctx: Context, fiscal_year: int, theme_code: str, findings: str) -> TeamReport:
    """File a team's 検討結果: stored with the team, its theme moved to reported; the roundtable's agenda shows it as
    the theme's 検討状況. Filing the same text again changes nothing; another text revises it (audited)."""
    text = one_line(findings)
    if not text:
        raise InputError("the 検討結果 is empty", field="--findings")
    if len(text) > FINDINGS_LIMIT:
        raise InputError(f"the 検討結果 is longer than {FINDINGS_LIMIT} characters", field="--findings")
    problem = header_text_problem(text)
    if problem:
        raise InputError(problem, field="--findings")
    with ctx.transaction() as session:
        cycle = council_and_cycle(session, ctx.settings.council_code, fiscal_year)[1]
        theme = _theme_for(session, ctx, fiscal_year, theme_code)
        team = _team_of(session, cycle, theme)
        if team is None:
            raise NotFoundError(f"theme {theme.code} has no working team: form one with `council teams form`")
        if team.status == TeamStatus.reported and team.findings == text:
            return TeamReport(_view(session, team), theme.status, False)
        if theme.status not in (*FORMABLE, ThemeStatus.reported):
            raise InputError(f"theme {theme.code} is {theme.status.value}: its study is over", field="theme")
        _move_to_reported(session, theme, team, now=ctx.clock.now, actor=ctx.actor)
        before = {"status": team.status, "findings": team.findings}
        action = "team.findings_revised" if team.status == TeamStatus.reported else "team.reported"
        team.status, team.findings, team.reported_at = TeamStatus.reported, text, ctx.clock.now
        session.add(team)
        session.flush()
        record_change(
            session,
            action=action,
            row=team,
            before=before,
            after={"status": team.status, "findings": text},
            now=ctx.clock.now,
            actor=ctx.actor,
            key=f"{fiscal_year}/{team.code}",
            flow_run_id=ctx.flow_run_id,
        )
        return TeamReport(_view(session, team), theme.status, True)


def _move_to_reported(session: Session, theme: Theme, team: WorkingTeam, *, now: datetime, actor: str) -> None:
    for step in path_to(theme.status, ThemeStatus.reported):
        transition(session, theme, step, now=now, actor=actor, comment=f"{team.name}の検討結果")

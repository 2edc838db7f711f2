"""The survey's services in the database, called by the survey's use cases (council.survey.actions). Each takes the
caller's session and never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.audit import record_change
from council.keys import SURVEY_DEADLINE_TASK, SURVEY_OPEN_TASK, SURVEY_STAGE
from council.planning.business_days import BusinessCalendar
from council.survey.forms import FormRespondent, write_forms
from council.survey.rules import SurveyRules, Window
from council.survey.store import RESPONDENT_KINDS, Audience, council_id_for, find_survey, tally_inputs
from council.survey.tally import SurveyTally, tally_answers
from council.survey.taxonomy import Taxonomy
from models.cycle import Cycle, Stage, Task
from models.enums import OrganizationKind
from models.organizations import Organization
from models.survey import ResponseStatus, Survey, SurveyRespondent, SurveyStatus


def survey_windows(
    session: Session, council_id: int, fiscal_year: int, calendar: BusinessCalendar, rules: SurveyRules
) -> tuple[Window, Window]:
    """(municipal, departmental) windows: from the planned cycle when there is one, else the configured ones.

    The planned window opens on the `survey:open` task's day and closes on the `survey:deadline` task's day (the
    planner's survey length inside the `survey` stage); without those tasks, the stage's bounds. Departments and
    regional offices open `department_opens_after_business_days` later (never after the deadline) and share the
    municipalities' deadline, as in the source (5/29 and 6/7, both to 6/23)."""
    stage = session.exec(
        select(Stage)
        .join(Cycle, col(Cycle.id) == Stage.cycle_id)
        .where(Cycle.council_id == council_id, Cycle.fiscal_year == fiscal_year, Stage.key == SURVEY_STAGE)
    ).first()
    if stage is None:
        return rules.municipal_window.in_fiscal_year(fiscal_year), rules.department_window.in_fiscal_year(fiscal_year)
    due = {
        task.key: task.due_date
        for task in session.exec(
            select(Task).where(
                Task.cycle_id == stage.cycle_id, col(Task.key).in_((SURVEY_OPEN_TASK, SURVEY_DEADLINE_TASK))
            )
        )
    }
    opens, deadline = due.get(SURVEY_OPEN_TASK, stage.start_date), due.get(SURVEY_DEADLINE_TASK, stage.end_date)
    department_opens = min(calendar.add_business_days(opens, rules.department_opens_after_business_days), deadline)
    return Window(opens, deadline), Window(department_opens, deadline)


def open_survey(
    session: Session,
    *,
    fiscal_year: int,
    now: datetime,
    calendar: BusinessCalendar,
    rules: SurveyRules,
    council_code: str,
    actor: str,
) -> Survey:
    """The year's survey, created with its windows if new; every active municipality, department and regional office
    of the roster is a respondent (organisations added to the roster since are added). Idempotent: the windows of an
    existing survey are kept (the request letters already name them)."""
    council_id = council_id_for(session, council_code)
    survey = find_survey(session, fiscal_year, council_code)
    if survey is None:
        municipal, departmental = survey_windows(session, council_id, fiscal_year, calendar, rules)
        survey = Survey(
            council_id=council_id,
            fiscal_year=fiscal_year,
            municipal_opens_on=municipal.opens_on,
            municipal_closes_on=municipal.closes_on,
            department_opens_on=departmental.opens_on,
            department_closes_on=departmental.closes_on,
            opened_at=now,
        )
        session.add(survey)
        session.flush()
        record_change(
            session,
            action="survey.opened",
            row=survey,
            before=None,
            after={
                "municipal": f"{municipal.opens_on}..{municipal.closes_on}",
                "department": f"{departmental.opens_on}..{departmental.closes_on}",
            },
            now=now,
            actor=actor,
            key=str(fiscal_year),
        )
    assert survey.id is not None
    known = set(
        session.exec(select(SurveyRespondent.organization_id).where(SurveyRespondent.survey_id == survey.id)).all()
    )
    organizations = session.exec(
        select(Organization)
        .where(col(Organization.kind).in_(RESPONDENT_KINDS), col(Organization.active).is_(True))
        .order_by(col(Organization.sort_order), col(Organization.code))
    ).all()
    for organization in organizations:
        if organization.id is not None and organization.id not in known:
            session.add(SurveyRespondent(survey_id=survey.id, organization_id=organization.id))
    session.flush()
    return survey


def respondents_of(session: Session, survey: Survey) -> list[Organization]:
    return list(
        session.exec(
            select(Organization)
            .join(SurveyRespondent, col(SurveyRespondent.organization_id) == Organization.id)
            .where(SurveyRespondent.survey_id == survey.id)
            .order_by(col(Organization.sort_order), col(Organization.code))
        ).all()
    )


def not_sent_kinds(session: Session, survey: Survey) -> set[OrganizationKind]:
    """The kinds of organisation among the survey's respondents still waiting for the request."""
    query = (
        select(Organization.kind)
        .join(SurveyRespondent, col(SurveyRespondent.organization_id) == col(Organization.id))
        .where(SurveyRespondent.survey_id == survey.id, SurveyRespondent.status == ResponseStatus.not_sent)
        .distinct()
    )
    return {OrganizationKind(kind) for kind in session.exec(query).all()}


def mark_sent(
    session: Session, survey: Survey, *, now: datetime, organization_codes: Iterable[str] | None = None
) -> int:
    """Record that the request (調査依頼) went out — to everyone not yet sent, or to the given organisations.
    Returns how many changed; re-running changes nothing."""
    query = (
        select(SurveyRespondent)
        .join(Organization, col(Organization.id) == SurveyRespondent.organization_id)
        .where(SurveyRespondent.survey_id == survey.id, SurveyRespondent.status == ResponseStatus.not_sent)
    )
    if organization_codes is not None:
        query = query.where(col(Organization.code).in_(list(organization_codes)))
    changed = 0
    for respondent in session.exec(query).all():
        respondent.status = ResponseStatus.sent
        respondent.sent_at = now
        session.add(respondent)
        changed += 1
    session.flush()
    return changed


def build_forms(
    session: Session,
    survey: Survey,
    out_dir: Path,
    *,
    taxonomy: Taxonomy,
    per_respondent: bool = False,
    audience: Audience | None = None,
) -> list[Path]:
    """One pre-filled answer form per respondent (of `audience`, or all), survey-<fy>-<code>.xlsx, stamped with the
    survey's opening time so that building again gives the same bytes. In `out_dir` itself, or with
    `per_respondent` in `out_dir/<code>/` (the layout delivery attaches to that organisation's mail only)."""
    respondents = [
        FormRespondent(code=org.code, name=org.name)
        for org in respondents_of(session, survey)
        if audience is None or org.kind in audience.kinds
    ]
    chosen = taxonomy
    if not per_respondent:
        return write_forms(survey.fiscal_year, respondents, chosen, out_dir, stamp=survey.opened_at)
    return [
        path
        for respondent in respondents
        for path in write_forms(
            survey.fiscal_year, [respondent], chosen, out_dir / respondent.code, stamp=survey.opened_at
        )
    ]


def survey_tally(session: Session, survey: Survey, *, taxonomy: Taxonomy) -> SurveyTally:
    """The tally of the current answers (open or closed survey)."""
    return tally_answers(survey.fiscal_year, tally_inputs(session, survey), taxonomy)


def close_survey_record(session: Session, survey: Survey, *, now: datetime, actor: str) -> bool:
    """Close the survey (no more reminders; late answers are still accepted and marked late); True when this call
    closed it. Closing again keeps the first closing time."""
    if survey.status != SurveyStatus.closed:
        survey.status = SurveyStatus.closed
        survey.closed_at = now
        session.add(survey)
        record_change(
            session,
            action="survey.closed",
            row=survey,
            before={"status": SurveyStatus.open},
            after={"status": SurveyStatus.closed},
            now=now,
            actor=actor,
            key=str(survey.fiscal_year),
        )
        session.flush()
        return True
    return False
